import type { StandardSchemaV1 } from "@standard-schema/spec";
// The contract's own types: one definition for the server, clients and the wizard.
import type { JsonSchema, StepStatus } from "../contract/representation.ts";
import type { FieldError } from "../errors.ts";

export type { JsonSchema, StepStatus } from "../contract/representation.ts";

/**
 * The saved data of a flow, loosely typed: each done step's data, keyed by step name.
 * {@link FlowDataOf} gives the typed form for one flow.
 * @example { "personal-info": { email: "ada@example.com" } }
 */
export type FlowData = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * What a step's `check` hook receives besides the step's own data. `Data` is the type of
 * the other steps' data: typed by step name in a `.step` chain, {@link FlowData} otherwise.
 *
 * @example
 * check: ({ count }, { now, flow }) =>
 *   count <= (flow.plan?.tier === "pro" ? 100 : 5) ? [] : [{ path: "/count", message: "Too many" }]
 */
export interface CheckContext<Data = FlowData> {
  /** The time of the request, passed in by the caller (the engine has no clock). */
  now: Date;
  /** The saved data of the flow's other steps; in a `.step` chain, the earlier ones, typed. */
  flow: Data;
  /**
   * The language the request is answered in (a BCP 47 tag such as `"de"`; `"en"` where
   * no request asks, as in `waymark migrate`). Messages `check` returns are translated
   * by the flow's `messages` anyway; this is for texts it builds itself.
   */
  locale: string;
}

/**
 * One step of a flow, as written: `Name` is its name, `Schema` validates its data, and
 * `Data` is what its `when` and `check` see of the other steps (typed by step name when
 * the step is added with `.step`, loosely typed {@link FlowData} otherwise).
 *
 * @example
 * {
 *   name: "company-details",
 *   schema: z.strictObject({ companyName: z.string().min(1).max(200) }),
 *   when: (data) => data["contract-details"]?.contractType === "contractor",
 * }
 */
export interface StepDefinition<
  Name extends string = string,
  Schema extends StandardSchemaV1 = StandardSchemaV1,
  Data = FlowData,
> {
  /** Kebab-case name, unique in the flow; it addresses the step and keys its data. */
  name: Name;
  /** A human-readable title for clients; defaults to a readable form of `name`. */
  title?: string | undefined;
  /**
   * The name this step had in an earlier version of the flow, when it was renamed.
   * Kebab-case, not the step's own name nor another step's. Only `waymark diff` reads it,
   * to report a rename rather than a step removed and another added; moving saved data
   * to the new name is a migration's job.
   * @example renamedFrom: "contract"
   */
  renamedFrom?: string | undefined;
  /**
   * Validates the step's data. Use strict object schemas: unknown keys must be refused,
   * not stripped. The output must be plain JSON, since it is what the store saves.
   */
  schema: Schema;
  /**
   * The JSON Schema (draft 2020-12) clients get to build a form, as an object: any
   * library's type for it will do (`toJsonSchema(schema)` of `@valibot/to-json-schema`).
   * Optional when `schema` implements Standard JSON Schema (Zod 4 does).
   */
  jsonSchema?: JsonSchema | object | undefined;
  // Method syntax (not a property holding a function) keeps the parameters bivariant, so
  // a step typed against its flow's data is still a StepDefinition the engine can call.
  /**
   * Whether the step applies, given the data saved so far. A step whose `when` is false
   * is skipped and its data dropped.
   * @default () => true
   */
  when?(data: Data): boolean;
  /**
   * Rules that need context (the time, other steps), run after the schema passed.
   * Returns field errors, or nothing when the data is acceptable.
   */
  check?(
    data: StandardSchemaV1.InferOutput<Schema>,
    context: CheckContext<Data>,
  ): readonly FieldError[] | undefined;
}

/**
 * What a completion handler learns about the flow that just completed.
 * @example onComplete: async ({ flowId, data }) => sendWelcome(flowId, data["personal-info"])
 */
export interface CompletedFlow {
  /** The stable identity of the flow (in token mode, not the token): deduplicate side effects on it. */
  flowId: string;
  flow: string;
  definitionVersion: number;
  data: FlowData;
  completedAt: Date;
  /**
   * The id of the `flow.completed` event this call delivers (`{flowId}:{version}:{index}`):
   * the same on every attempt, so a handler that ran before a crash can tell.
   */
  eventId: string;
}

/**
 * What a `beforeComplete` hook is asked about: the flow as the completing write would
 * save it.
 * @example { flowId: "3f0c…", flow: "signup", definitionVersion: 1, data: { account: { email: "ada@example.com" } }, now }
 */
export interface CompletingFlow {
  /** The stable identity of the flow (in token mode, not the token). */
  flowId: string;
  flow: string;
  definitionVersion: number;
  /** Every step's data, the last step's included, as it would be saved. */
  data: FlowData;
  /** The time of the request. */
  now: Date;
}

/**
 * What a request does to a flow, as an {@link AccessPolicy}'s `authorize` hook is told.
 * `read-step` is `GET /{flow}/{flowId}/step/{step}`; `recover` is `POST
 * /{flow}/{flowId}/recover`, which brings an expired flow back; `history` is `GET
 * /{flow}/{flowId}/history`.
 */
export type FlowOperation =
  | "start"
  | "read"
  | "read-step"
  | "submit"
  | "erase"
  | "recover"
  | "history";

/**
 * The flow an `authorize` hook is asked about: undefined for `start`, which has no flow
 * yet. `subject` is what the hook bound the flow to when it started.
 *
 * @example { flowId: "3f0c…", flow: "onboarding", definitionVersion: 1, subject: "user-42", data: {} }
 */
export interface AuthorizedFlow {
  /** The stable identity of the flow (in token mode, not the token). */
  flowId: string;
  flow: string;
  definitionVersion: number;
  /** The subject `authorize` returned for `start`, if it returned one. */
  subject: string | undefined;
  data: FlowData;
}

/**
 * What an `authorize` hook is given: the Web `Request` (its cookies, headers, whatever
 * the host app authenticates by), the operation, and the flow (undefined for `start`).
 */
export interface AuthorizeContext {
  request: Request;
  operation: FlowOperation;
  flow: AuthorizedFlow | undefined;
}

/**
 * An `authorize` hook's answer: `false` refuses (answered exactly like an unknown flow),
 * `true` allows, and for `start`, `{ subject }` allows and binds the new flow to the
 * host app's subject (a user id, say), which later calls see as `flow.subject`.
 */
export type AuthorizeResult = boolean | { subject: string };

/**
 * Who may touch a flow once it has started (the `access` of a definition):
 * - `"capability"`: whoever holds the flow id (at least 122 random bits) may;
 * - `"secret"`: starting answers a `flowSecret` too, and every later request must send
 *   it as `Authorization: Bearer {flowSecret}`; only its SHA-256 hash is kept;
 * - `{ authorize }`: the host app decides on each request, from its own authenticated
 *   subject. A throw is a 500 `definition-error`.
 *
 * A refused request answers exactly as an unknown flow would (404, same body), so flow
 * ids cannot be probed.
 *
 * @default "capability"
 * @example
 * access: {
 *   authorize: ({ request, operation, flow }) => {
 *     const user = userOf(request);
 *     if (!user) return false;
 *     return operation === "start" ? { subject: user.id } : flow?.subject === user.id;
 *   },
 * }
 */
export type FlowAccess = "capability" | "secret" | AccessPolicy;

/** The `authorize` form of {@link FlowAccess}. */
export interface AccessPolicy {
  /** Decides one request; see {@link AuthorizeResult}. May be async. */
  authorize(context: AuthorizeContext): AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * How the host app authenticates, as an OpenAPI Security Scheme Object, for the
   * published document.
   * @default { type: "http", scheme: "bearer" }
   */
  securityScheme?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Translations of a flow's own texts, keyed by the text as the definition writes it
 * (English, say): per BCP 47 language tag, a map from that text to its translation, or
 * a function of the tag that returns such a map. A text without a translation is sent
 * as written. A request's `Accept-Language` chooses among the languages given here and
 * those Waymark ships (English, German, Arabic). A function is asked only for the
 * language so chosen, so with a function the choice is among Waymark's languages; give
 * a map to offer others (`fr`, say).
 *
 * @example
 * messages: {
 *   de: { "Personal information": "Persönliche Angaben", "Enter your first name": "Geben Sie Ihren Vornamen ein" },
 *   ar: { "Personal information": "المعلومات الشخصية" },
 * }
 */
export type FlowMessages =
  | Readonly<Record<string, Readonly<Record<string, string>>>>
  | ((locale: string) => Readonly<Record<string, string | undefined>> | undefined);

/**
 * The settings of a flow besides its steps: what `defineFlow` takes before `.step` adds
 * the steps.
 *
 * @example
 * const settings: FlowSettings = { name: "signup", title: "Sign up", ttl: "7d" };
 */
export interface FlowSettings {
  /** Kebab-case name; the flow is served under `/{name}`. */
  name: string;
  /** A human-readable title for clients; defaults to a readable form of `name`. */
  title?: string | undefined;
  /** What the flow is for, in a sentence or two: the wizard's start page shows it. */
  description?: string | undefined;
  /**
   * Translations of the flow's own texts (see {@link FlowMessages}): its title and
   * description, step titles, the `title` and `description` of schema fields and
   * choices, and the messages its schemas and `check` give.
   */
  messages?: FlowMessages | undefined;
  /**
   * The definition version. Records keep the version they started on.
   * @default 1
   */
  version?: number | undefined;
  /**
   * How long a flow lives after its last change: milliseconds, or a duration such as
   * `"30m"`, `"12h"`, `"7d"`.
   */
  ttl: number | string;
  /**
   * Runs as part of the completing write, after the last step's data passed and before
   * the write is saved. If it throws or rejects, nothing is saved: the request answers
   * 500 `definition-error` and the flow stays on its last step. It can run more than
   * once for one flow (a retried request, a lost compare-and-set retried, a store that
   * failed after it ran, two requests completing the flow at once): make it idempotent
   * on `flowId`, and read the flow back where it matters which data was saved.
   */
  onComplete?: ((flow: CompletedFlow) => void | Promise<void>) | undefined;
  /**
   * A veto on completion: called with the data the completing write would save, before
   * that write's compare-and-set. Field errors it returns (such as "this email is
   * already registered") refuse the write: the client gets 422 `invalid-step-data` on
   * the step it submitted, with those errors, and nothing is saved. Undefined or `[]`
   * lets the flow complete. What it throws is a 500 `definition-error`, nothing saved.
   * It can run more than once for one completion (a retried request, a lost
   * compare-and-set): keep it free of side effects.
   * @example beforeComplete: async ({ data }) => (await emailTaken(data.account?.email)) ? [{ path: "/email", message: "This email is already registered" }] : []
   */
  beforeComplete?:
    | ((
        flow: CompletingFlow,
      ) => readonly FieldError[] | undefined | Promise<readonly FieldError[] | undefined>)
    | undefined;
  /**
   * Whether `GET /{flow}/{flowId}/history` answers with the flow's events (names of
   * steps and fields, never values) to a caller its access mode admits.
   * @default false for `"capability"` flows (whoever holds the id would see it), true otherwise
   */
  history?: boolean | undefined;
  /**
   * What happens to a flow's event log when the flow is deleted: `"erase"` removes it
   * with the flow; `"tombstone"` keeps it under an anonymised key (a SHA-256 of the
   * flow id), for counts over time, with no way back to the flow. Purged flows' logs go.
   * @default "erase"
   */
  historyAfterErase?: "erase" | "tombstone" | undefined;
  /**
   * Who may touch a started flow: `"capability"`, `"secret"` or `{ authorize }`.
   * @default "capability"
   */
  access?: FlowAccess | undefined;
  /**
   * How long an expired flow can still be recovered with its data (`POST
   * /{flow}/{flowId}/recover`): milliseconds or a duration such as `"30d"`; 0 turns
   * recovery off. Stores keep an expired flow's data this long and no longer.
   * @default "30d"
   */
  recoverFor?: number | string | undefined;
  /**
   * Whether recovery applies in token mode too, where the client holds the data: an
   * expired token then keeps opening the flow for `recoverFor` longer. False makes an
   * expired token final, whatever `recoverFor` says.
   * @default true
   */
  recoverTokens?: boolean | undefined;
  /**
   * What happens to flows in progress that started on an older version of this flow,
   * by version number (see {@link RetiredPolicy}). A version not listed migrates when
   * {@link DefinedFlow.migrateFrom} reaches it, is kept when it is registered, and
   * otherwise answers 410 `definition-retired`.
   * @example retired: { 1: "restart", 2: "migrate" }
   */
  retired?: Readonly<Record<number, RetiredPolicy>> | undefined;
}

/**
 * What a deploy does to a flow in progress that started on an older definition version:
 * - `keep`: it goes on on its own version, which must still be given (registered, or
 *   reached by a migration);
 * - `migrate`: on its next read or write it moves to the newest version through each
 *   `migrateFrom` in turn, in one compare-and-set; a step whose data no longer
 *   validates becomes current again, with its field errors;
 * - `restart`: on its next read or write it starts again on the newest version, with
 *   no data;
 * - `expire`: it answers 410 `flow-expired`, with no way to recover it.
 *
 * Completed flows are never moved: they are read on the version they completed on.
 */
export type RetiredPolicy = "keep" | "migrate" | "restart" | "expire";

/**
 * How a definition version moves flows from the version before it: what
 * {@link DefinedFlow.migrateFrom} records.
 */
export interface FlowMigration {
  /** The definition flows come from; its `version` is lower. */
  readonly from: FlowDefinition;
  /**
   * Turns the data saved under `from` into data for this version. It must be pure and
   * return plain JSON: an object of step names to step data objects. What it returns is
   * validated step by step against this version.
   */
  readonly migrate: (data: FlowData) => FlowData;
}

/**
 * The input of `defineFlow` with every step given at once (steps made by `defineStep`).
 * Step names and schemas are kept in the definition's type; `when` and `check` see
 * loosely typed data. Add steps with `.step` instead for typed `when` and `check`.
 *
 * @example
 * const input: FlowDefinitionInput = { name: "signup", ttl: "7d", steps: [account] };
 */
export interface FlowDefinitionInput<
  Steps extends readonly StepDefinition[] = readonly StepDefinition[],
> extends FlowSettings {
  /** The ordered steps; `defineStep` types each step's `check` from its schema. */
  steps: Steps;
}

/**
 * A step as `defineFlow` settles it: numbered, titled, with its JSON Schema. Its `when`
 * and `check` take plain {@link FlowData}, which is what the engine passes them.
 *
 * @example
 * onboarding.steps[1].number // 2
 */
export interface DefinedStep<
  Name extends string = string,
  Schema extends StandardSchemaV1 = StandardSchemaV1,
> extends StepDefinition<Name, Schema> {
  /** 1-based position in the flow. */
  readonly number: number;
  readonly title: string;
  readonly jsonSchema: JsonSchema;
}

/**
 * A validated, frozen flow definition. `Steps` is the tuple of its steps' names and
 * schemas; the default means any flow, and every typed definition is one.
 *
 * @example
 * function serve(definition: FlowDefinition) {} // takes any flow, typed or not
 * serve(onboarding);
 */
export interface FlowDefinition<Steps extends readonly DefinedStep[] = readonly DefinedStep[]> {
  readonly name: string;
  readonly title: string;
  /** What the flow is for; see {@link FlowSettings.description}. */
  readonly description?: string | undefined;
  /** Translations of the flow's texts; see {@link FlowMessages}. */
  readonly messages?: FlowMessages | undefined;
  readonly version: number;
  readonly steps: Steps;
  readonly ttlMs: number;
  readonly onComplete?: (flow: CompletedFlow) => void | Promise<void>;
  /** The veto on completion; see {@link FlowSettings.beforeComplete}. */
  readonly beforeComplete?: FlowSettings["beforeComplete"];
  /** Whether the history route answers; see {@link FlowSettings.history}. */
  readonly history: boolean;
  /** What a deletion does to the event log; see {@link FlowSettings.historyAfterErase}. */
  readonly historyAfterErase: "erase" | "tombstone";
  /** Who may touch a started flow; `"capability"` unless the definition said otherwise. */
  readonly access: FlowAccess;
  /** How long an expired flow can be recovered, in milliseconds; 0 when it cannot. */
  readonly recoverForMs: number;
  /** Whether an expired token can be recovered in token mode (within `recoverForMs`). */
  readonly recoverTokens: boolean;
  /** What happens to flows of older versions; see {@link FlowSettings.retired}. */
  readonly retired: Readonly<Record<number, RetiredPolicy>>;
  /** How flows move here from the previous version, when `migrateFrom` declared it. */
  readonly migration?: FlowMigration | undefined;
}

/**
 * Adds a step to a flow. `.step` returns a new definition, leaving this one unchanged.
 * The new step's `when` and `check` see the earlier steps' data, typed by step name
 * ({@link FlowDataOf}). A step name used twice is a compile error and throws.
 *
 * @example
 * defineFlow({ name: "signup", ttl: "7d" })
 *   .step({ name: "account", schema: z.strictObject({ email: z.email() }) })
 *   .step({
 *     name: "company",
 *     schema: z.strictObject({ name: z.string() }),
 *     when: (data) => data.account?.email.endsWith("@corp.example") ?? false,
 *   });
 */
export interface FlowBuilder<Steps extends readonly DefinedStep[]> {
  step<const Name extends string, Schema extends StandardSchemaV1>(
    step: StepDefinition<NewStepName<Name, Steps>, Schema, FlowDataOf<FlowDefinition<Steps>>>,
  ): DefinedFlow<readonly [...Steps, DefinedStep<Name, Schema>]>;
}

/**
 * What `defineFlow` and `.step` return: a {@link FlowDefinition}, usable wherever one is
 * (a registry, `createWaymark`), that more steps can be added to.
 *
 * @example
 * const flows: FlowDefinition[] = [onboarding]; // a DefinedFlow is a FlowDefinition
 */
export interface DefinedFlow<Steps extends readonly DefinedStep[] = readonly DefinedStep[]>
  extends FlowDefinition<Steps>,
    FlowBuilder<Steps> {
  /**
   * Declares how flows started on `previous` (an older version of this flow) move to
   * this one: `migrate` gets their data, typed by `previous`, and returns this version's
   * data. Chains (v1 → v2 → v3) are applied in order. It must be pure; if it throws, the
   * request answers 500 `definition-error` and nothing is written. Whatever it returns
   * is validated against this version: a step whose data no longer passes goes back to
   * the user with its field errors. Returns a new definition, this one unchanged.
   *
   * @throws Error when `previous` is another flow, or not an older version of this one.
   * @example
   * export const onboardingV2 = defineFlow({ name: "onboarding", version: 2, ttl: "7d" })
   *   .step({ name: "personal-info", schema: personalInfoV2 })
   *   .migrateFrom(onboardingV1, (data) => ({
   *     ...data,
   *     "personal-info": data["personal-info"] && {
   *       fullName: data["personal-info"].name,
   *       country: "NL",
   *     },
   *   }));
   */
  migrateFrom<From extends FlowDefinition>(
    previous: From,
    migrate: (data: FlowDataOf<From>) => MigratedData<Steps>,
  ): DefinedFlow<Steps>;
}

/**
 * What a migration returns: data keyed by this version's step names (a name it does not
 * have is a compile error), each a plain object. The values are not typed by the new
 * schemas on purpose: data that no longer passes is what sends a user back to a step.
 */
export type MigratedData<Steps extends readonly DefinedStep[]> = {
  readonly [Name in Steps[number]["name"]]?: Readonly<Record<string, unknown>>;
};

/** `Name`, or a type no name matches (a compile error) when one of `Steps` has it. */
type NewStepName<
  Name extends string,
  Steps extends readonly DefinedStep[],
> = string extends Steps[number]["name"]
  ? Name
  : Name extends Steps[number]["name"]
    ? `a step name other than "${Name}", which is taken`
    : Name;

/**
 * The names of a flow's steps.
 *
 * @example
 * type Names = StepName<typeof onboarding>; // "personal-info" | "contract-details" | …
 */
export type StepName<Flow extends FlowDefinition> = Flow["steps"][number]["name"];

/** The step of `Flow` called `Name`. */
type StepNamed<Flow extends FlowDefinition, Name extends StepName<Flow>> = Extract<
  Flow["steps"][number],
  { name: Name }
>;

/**
 * What a client sends for a step: its schema's input type.
 *
 * @example
 * const body: StepInput<typeof onboarding, "contract-details"> = {
 *   contractType: "contractor",
 *   startDate: "2026-07-01",
 *   role: "Engineer",
 * };
 */
export type StepInput<
  Flow extends FlowDefinition,
  Name extends StepName<Flow>,
> = StandardSchemaV1.InferInput<StepNamed<Flow, Name>["schema"]>;

/**
 * What a step saves: its schema's output type (what `check` receives).
 *
 * @example
 * type Contract = StepOutput<typeof onboarding, "contract-details">;
 * // { contractType: "employee" | "contractor"; startDate: string; role: string }
 */
export type StepOutput<
  Flow extends FlowDefinition,
  Name extends StepName<Flow>,
> = StandardSchemaV1.InferOutput<StepNamed<Flow, Name>["schema"]>;

/**
 * A flow's saved data, typed: each step's output keyed by step name, each optional (a
 * step may not be done yet, or was skipped). The typed form of {@link FlowData}.
 *
 * @example
 * function contractType(data: FlowDataOf<typeof onboarding>) {
 *   return data["contract-details"]?.contractType; // "employee" | "contractor" | undefined
 * }
 */
export type FlowDataOf<Flow extends FlowDefinition> = {
  readonly [Step in Flow["steps"][number] as Step["name"]]?: Readonly<
    StandardSchemaV1.InferOutput<Step["schema"]>
  >;
};

/**
 * What a store keeps for one flow. Everything else in the representation (step
 * statuses, the current step, completion) is derived from it and the definition.
 * @example createRecord(onboarding, { id: randomUUID(), now: new Date() }) // version 1, data {}
 */
export interface FlowRecord {
  /** Unguessable id (a UUIDv4, 122 random bits). */
  id: string;
  /** The flow definition's name. */
  flow: string;
  /** The definition version the flow started on. */
  definitionVersion: number;
  /** Starts at 1 and grows by one with each change; the ETag is derived from it. */
  version: number;
  data: FlowData;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds of the last change. */
  updatedAt: number;
  /** Epoch milliseconds: `updatedAt + ttl`. */
  expiresAt: number;
  /**
   * Epoch milliseconds until which an expired flow can be recovered with its data:
   * `expiresAt` plus the definition's `recoverFor`. Stores keep the record until then and
   * may purge it any time after. Absent (records written before recovery existed, or
   * with `recoverFor: 0`): the same as `expiresAt`.
   */
  keepUntil?: number;
  /**
   * Set when a migration moved the flow to a newer definition version: the version it
   * came from and when (epoch milliseconds).
   */
  migratedFrom?: RecordMigratedFrom;
  /**
   * Steps a migration sent the user back to, by step name: the step's data as the
   * migration left it (to fill the form again) and the field errors the new definition
   * found in it. A step leaves this list once it is submitted again.
   */
  returnedSteps?: Readonly<Record<string, ReturnedStep>>;
  /**
   * What the flow's access mode keeps: the SHA-256 of its `flowSecret` (base64url), or
   * the subject `authorize` bound it to. Absent for capability flows.
   */
  access?: RecordAccess;
}

/**
 * Where a migrated flow came from: {@link FlowRecord.migratedFrom}.
 * @example { version: 1, at: 1767225600000 }
 */
export interface RecordMigratedFrom {
  /** The definition version the flow was on before. */
  version: number;
  /** Epoch milliseconds of the migration. */
  at: number;
}

/**
 * A step a migration sent the user back to: {@link FlowRecord.returnedSteps}.
 * @example { data: { email: "ada@example" }, errors: [{ path: "/email", code: "invalid_format", params: { format: "email" }, message: "Enter an email address like name@example.com" }] }
 */
export interface ReturnedStep {
  data: Readonly<Record<string, unknown>>;
  errors: readonly FieldError[];
}

/**
 * The access part of a {@link FlowRecord}.
 * @example { secretHash: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg" }
 */
export interface RecordAccess {
  secretHash?: string;
  subject?: string;
}

/**
 * A step's position, name and status in one flow.
 * @example { number: 1, name: "personal-info", title: "Personal information", status: "done" }
 */
export interface StepState {
  number: number;
  name: string;
  title: string;
  status: StepStatus;
}
