import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import type {
  DefinedFlow,
  DefinedStep,
  FlowAccess,
  FlowBuilder,
  FlowDefinition,
  FlowDefinitionInput,
  FlowMessages,
  FlowMigration,
  FlowSettings,
  JsonSchema,
  RetiredPolicy,
  StepDefinition,
} from "./types.ts";

const namePattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const durationPattern = /^(\d+)\s*(ms|s|m|h|d)$/;
const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Ten years: far past any flow's life, and far inside what a Date can hold. */
const maxTtlMs = 10 * 366 * 86_400_000;

/** A flow's settings, validated; what every definition of it shares. */
type Settled = Omit<FlowDefinition, "steps">;

/**
 * A flow as built at run time, where steps are a plain array. The signatures of
 * `defineFlow` lay the typed {@link DefinedFlow} over it, `migrateFrom` included.
 */
interface Built extends FlowDefinition {
  step(step: StepDefinition): Built;
}

/** Any migration function: the typed signature is DefinedFlow's; the engine checks the output. */
type LooseMigrate = (data: never) => unknown;

/** The definitions of steps written as `Steps`: names and schemas kept. */
type DefinedSteps<Steps extends readonly StepDefinition[]> = {
  readonly [K in keyof Steps]: Steps[K] extends StepDefinition<infer Name, infer Schema>
    ? DefinedStep<Name, Schema>
    : never;
};

/**
 * Types one step for the `steps` list of {@link defineFlow}: keeps its name as a literal
 * type, and `check` receives the schema's output type. Returns the step unchanged. In a
 * `.step` chain, pass the step object directly instead.
 *
 * @example
 * defineStep({
 *   name: "review",
 *   schema: z.strictObject({ acceptTerms: z.literal(true) }),
 * })
 */
export function defineStep<const Name extends string, Schema extends StandardSchemaV1>(
  step: StepDefinition<Name, Schema>,
): StepDefinition<Name, Schema> {
  return step;
}

/**
 * Validates and freezes a flow definition. A broken definition (bad or duplicate step
 * names, a bad `renamedFrom`, a step without a schema or JSON Schema, a bad ttl) throws
 * naming the step.
 *
 * Give the settings, then add each step with `.step`: each step's `when` and `check`
 * see the earlier steps' data typed by step name. Every `.step` returns a new frozen
 * {@link FlowDefinition}; the last one is the flow. Passing `steps` (made by
 * {@link defineStep}) defines every step at once, with loosely typed `when` data.
 *
 * @example
 * export const signup = defineFlow({ name: "signup", ttl: "7d" })
 *   .step({ name: "account", schema: z.strictObject({ email: z.email() }) })
 *   .step({
 *     name: "company",
 *     schema: z.strictObject({ name: z.string() }),
 *     when: (data) => data.account?.email.endsWith("@corp.example") ?? false,
 *   });
 */
export function defineFlow<const Steps extends readonly StepDefinition[]>(
  input: FlowDefinitionInput<Steps>,
): DefinedFlow<DefinedSteps<Steps>>;
/**
 * Starts a flow from its settings, validated now; add the steps with `.step`. Without a
 * step it is not yet a {@link FlowDefinition}.
 *
 * @example
 * defineFlow({ name: "signup", ttl: "7d" }).step({ name: "account", schema: account })
 */
export function defineFlow(settings: FlowSettings): FlowBuilder<readonly []>;
export function defineFlow(
  input: FlowSettings & { steps?: readonly StepDefinition[] },
): Built | Pick<Built, "step"> {
  const settled = settle(input);
  if (input.steps === undefined) {
    return Object.freeze({ step: (step: StepDefinition) => addStep(settled, [], step) });
  }
  if (!Array.isArray(input.steps) || input.steps.length === 0) {
    throw new Error(`flow "${settled.name}": a flow needs at least one step`);
  }
  const steps: DefinedStep[] = [];
  for (const step of input.steps) steps.push(settleStep(settled, steps, step));
  return withSteps(settled, steps);
}

function settle(input: FlowSettings): Settled {
  const where = `flow "${String(input.name)}"`;
  if (typeof input.name !== "string" || !namePattern.test(input.name)) {
    throw new Error(`${where}: the name must be kebab-case (letters, digits, dashes)`);
  }
  const version = input.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(`${where}: version must be a positive integer`);
  }
  const access = settleAccess(input.access, where);
  return {
    name: input.name,
    title: input.title ?? readableName(input.name),
    ...(input.description === undefined
      ? {}
      : { description: settleText(input.description, "description", where) }),
    ...(input.messages === undefined ? {} : { messages: settleMessages(input.messages, where) }),
    version,
    ttlMs: parseDuration(input.ttl, where),
    ...(input.onComplete ? { onComplete: input.onComplete } : {}),
    ...(input.beforeComplete ? { beforeComplete: input.beforeComplete } : {}),
    access,
    history: settleBoolean(input.history, access !== "capability", "history", where),
    historyAfterErase: settleAfterErase(input.historyAfterErase, where),
    recoverForMs: settleRecoverFor(input.recoverFor, where),
    recoverTokens: settleBoolean(input.recoverTokens, true, "recoverTokens", where),
    retired: settleRetired(input.retired, version, where),
  };
}

function settleText(value: unknown, setting: string, where: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new Error(`${where}: ${setting} must be a non-empty string`);
  }
  return value;
}

/** A map of maps of strings, frozen, or a function (called per request, so left as it is). */
function settleMessages(value: FlowMessages, where: string): FlowMessages {
  if (typeof value === "function") return value;
  if (typeof value !== "object" || value === null) {
    throw new Error(
      `${where}: messages must be an object by language, or a function of the language`,
    );
  }
  const settled: Record<string, Readonly<Record<string, string>>> = {};
  for (const [locale, texts] of Object.entries(value)) {
    if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(locale) || !isLocale(locale)) {
      throw new Error(
        `${where}: messages: "${locale}" is not a language tag such as "de" or "pt-BR"`,
      );
    }
    if (typeof texts !== "object" || texts === null) {
      throw new Error(`${where}: messages.${locale} must map texts to their translations`);
    }
    for (const [text, translation] of Object.entries(texts)) {
      if (typeof translation !== "string") {
        throw new Error(`${where}: messages.${locale}["${text}"] must be a string`);
      }
    }
    settled[locale] = Object.freeze({ ...texts });
  }
  return Object.freeze(settled);
}

/** Whether `Intl` takes the tag ("de-12" passes the pattern but names no region). */
function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

function settleBoolean(
  value: boolean | undefined,
  byDefault: boolean,
  setting: string,
  where: string,
): boolean {
  if (value !== undefined && typeof value !== "boolean") {
    throw new Error(`${where}: ${setting} must be true or false`);
  }
  return value ?? byDefault;
}

function settleAfterErase(value: string | undefined, where: string): "erase" | "tombstone" {
  if (value === undefined || value === "erase" || value === "tombstone") return value ?? "erase";
  throw new Error(`${where}: historyAfterErase must be "erase" or "tombstone"`);
}

const defaultRecoverFor = "30d";
const policies: readonly RetiredPolicy[] = ["keep", "migrate", "restart", "expire"];

function settleRecoverFor(value: number | string | undefined, where: string): number {
  if (value === 0 || (typeof value === "string" && /^\s*0+\s*(ms|s|m|h|d)?\s*$/.test(value))) {
    return 0;
  }
  try {
    return parseDuration(value ?? defaultRecoverFor, where);
  } catch {
    throw new Error(
      `${where}: recoverFor must be 0, positive milliseconds or a duration like "30d", at most 10 years`,
    );
  }
}

function settleRetired(
  retired: FlowSettings["retired"],
  version: number,
  where: string,
): Readonly<Record<number, RetiredPolicy>> {
  if (retired === undefined) return Object.freeze({});
  if (typeof retired !== "object" || retired === null || Array.isArray(retired)) {
    throw new Error(`${where}: retired must map older version numbers to a policy`);
  }
  const settled: Record<number, RetiredPolicy> = {};
  for (const [key, policy] of Object.entries(retired)) {
    const older = Number(key);
    if (!/^[1-9]\d*$/.test(key) || !Number.isSafeInteger(older)) {
      throw new Error(`${where}: retired names "${key}", which is not a version number`);
    }
    if (older >= version) {
      throw new Error(`${where}: retired names version ${key}, which is not older than ${version}`);
    }
    if (!policies.includes(policy)) {
      throw new Error(
        `${where}: retired version ${key} must be "keep", "migrate", "restart" or "expire"`,
      );
    }
    settled[older] = policy;
  }
  return Object.freeze(settled);
}

function settleAccess(access: FlowSettings["access"], where: string): FlowAccess {
  if (access === undefined || access === "capability" || access === "secret") {
    return access ?? "capability";
  }
  if (typeof access !== "object" || access === null || typeof access.authorize !== "function") {
    throw new Error(`${where}: access must be "capability", "secret" or { authorize(context) }`);
  }
  return Object.freeze({ ...access });
}

function withSteps(settled: Settled, steps: readonly DefinedStep[]): Built {
  return Object.freeze({
    ...settled,
    steps: Object.freeze(steps),
    step: (step: StepDefinition) => addStep(settled, steps, step),
    migrateFrom: (previous: FlowDefinition, migrate: LooseMigrate) =>
      withSteps({ ...settled, migration: settleMigration(settled, previous, migrate) }, steps),
  });
}

function settleMigration(
  settled: Settled,
  from: FlowDefinition,
  migrate: LooseMigrate,
): FlowMigration {
  const where = `flow "${settled.name}" version ${settled.version}`;
  if (typeof from?.name !== "string" || !Array.isArray(from.steps)) {
    throw new Error(`${where}: migrateFrom takes the older definition, then a function`);
  }
  if (from.name !== settled.name) {
    throw new Error(`${where}: migrateFrom names flow "${from.name}", not this flow`);
  }
  if (!(from.version < settled.version)) {
    throw new Error(
      `${where}: migrateFrom names version ${from.version}, which is not older than ${settled.version}`,
    );
  }
  if (typeof migrate !== "function") {
    throw new Error(`${where}: migrateFrom needs a function from the old data to the new`);
  }
  // The engine checks what it returns (plain JSON, step data objects) on every call.
  return Object.freeze({ from, migrate: migrate as FlowMigration["migrate"] });
}

function addStep(settled: Settled, earlier: readonly DefinedStep[], step: StepDefinition): Built {
  return withSteps(settled, [...earlier, settleStep(settled, earlier, step)]);
}

/** Validates the step that follows `earlier` and settles its number, title and JSON Schema. */
function settleStep(
  { name: flow }: Settled,
  earlier: readonly DefinedStep[],
  step: StepDefinition,
): DefinedStep {
  const number = earlier.length + 1;
  const label = `flow "${flow}", step ${number}${typeof step?.name === "string" ? ` "${step.name}"` : ""}`;
  if (typeof step?.name !== "string" || !namePattern.test(step.name)) {
    throw new Error(`${label}: the name must be kebab-case (letters, digits, dashes)`);
  }
  if (earlier.some((other) => other.name === step.name)) {
    throw new Error(`flow "${flow}": step ${number} repeats the name "${step.name}"`);
  }
  checkRenamedFrom(flow, label, earlier, step);
  if (typeof step.schema?.["~standard"]?.validate !== "function") {
    throw new Error(`${label}: the step needs a schema implementing Standard Schema`);
  }
  // A step copied from an earlier definition with a new schema (`{ ...oldStep, schema }`)
  // brings the old schema's derived JSON Schema along: derive it again.
  // Any object type a library gives a JSON Schema is one here, once it is an object.
  const stated = step.jsonSchema as JsonSchema | undefined;
  if (
    stated !== undefined &&
    (typeof stated !== "object" || stated === null || Array.isArray(stated))
  ) {
    throw new Error(`${label}: jsonSchema must be a JSON Schema object`);
  }
  const origin = stated && derivedFrom.get(stated);
  const given = origin === undefined || origin === step.schema ? stated : undefined;
  let jsonSchema: JsonSchema | undefined;
  try {
    jsonSchema = given ?? standardJsonSchema(step.schema);
  } catch (error) {
    // Zod, for one, cannot describe z.coerce.date() or z.bigint() in JSON Schema.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${label}: the schema has no JSON Schema (${reason}); pass jsonSchema`, {
      cause: error,
    });
  }
  if (!jsonSchema) {
    throw new Error(
      `${label}: the schema does not implement Standard JSON Schema; pass jsonSchema`,
    );
  }
  const frozen = Object.freeze(jsonSchema);
  if (!given) derivedFrom.set(frozen, step.schema);
  return Object.freeze({
    ...step,
    number,
    title: step.title ?? readableName(step.name),
    jsonSchema: frozen,
  });
}

/** The JSON Schemas derived from a step's schema, and the schema each came from. */
const derivedFrom = new WeakMap<JsonSchema, StandardSchemaV1>();

/**
 * A step's `renamedFrom` must name a step of an earlier version: never one of this flow's
 * steps, and never claimed by two steps, so that `waymark diff` can pair the steps.
 */
function checkRenamedFrom(
  flow: string,
  label: string,
  earlier: readonly DefinedStep[],
  step: StepDefinition,
): void {
  const claimed = earlier.find((other) => other.renamedFrom === step.name);
  if (claimed) {
    throw new Error(
      `flow "${flow}": step ${earlier.length + 1} is named "${step.name}", which step ${claimed.number} "${claimed.name}" says it was renamed from`,
    );
  }
  const from = step.renamedFrom;
  if (from === undefined) return;
  if (typeof from !== "string" || !namePattern.test(from)) {
    throw new Error(`${label}: renamedFrom must be kebab-case (letters, digits, dashes)`);
  }
  if (from === step.name) throw new Error(`${label}: renamedFrom repeats the step's own name`);
  const named = earlier.find((other) => other.name === from);
  if (named) {
    throw new Error(`${label}: renamedFrom "${from}" is the name of step ${named.number}`);
  }
  const twice = earlier.find((other) => other.renamedFrom === from);
  if (twice) {
    throw new Error(
      `${label}: step ${twice.number} "${twice.name}" is already renamed from "${from}"`,
    );
  }
}

function standardJsonSchema(schema: StandardSchemaV1): JsonSchema | undefined {
  const props: Partial<StandardJSONSchemaV1.Props> = schema["~standard"];
  return props.jsonSchema?.input({ target: "draft-2020-12" });
}

/**
 * Milliseconds in a duration: a positive number of milliseconds, or a string such as
 * `"90s"`, `"30m"`, `"12h"`, `"7d"`.
 *
 * @example parseDuration("30m") // 1800000
 */
export function parseDuration(value: number | string, where = "duration"): number {
  const match = typeof value === "string" ? durationPattern.exec(value.trim()) : null;
  const ms =
    typeof value === "number"
      ? value
      : match?.[1] && match[2]
        ? Number(match[1]) * unitMs[match[2] as keyof typeof unitMs]
        : Number.NaN;
  if (Number.isSafeInteger(ms) && ms > 0 && ms <= maxTtlMs) return ms;
  throw new Error(
    `${where}: ttl must be positive milliseconds or a duration like "30m" or "7d", at most 10 years`,
  );
}

/** "personal-info" → "Personal info". */
function readableName(name: string): string {
  const words = name.replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
