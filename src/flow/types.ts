import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { FieldError } from "../errors.ts";

/** A JSON Schema document (draft 2020-12), as handed to clients to build forms. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The saved data of a flow: each done step's data, keyed by step name. */
export type FlowData = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What a step's `check` hook receives besides the step's own data. */
export interface CheckContext {
  /** The time of the request, passed in by the caller (the engine has no clock). */
  now: Date;
  /** The saved data of the flow's other steps. */
  flow: FlowData;
}

/**
 * One step of a flow.
 *
 * @example
 * {
 *   name: "company-details",
 *   schema: z.strictObject({ companyName: z.string().min(1).max(200) }),
 *   when: (data) => data["contract-details"]?.contractType === "contractor",
 * }
 */
export interface StepDefinition<Schema extends StandardSchemaV1 = StandardSchemaV1> {
  /** Kebab-case name, unique in the flow; it addresses the step and keys its data. */
  name: string;
  /** A human-readable title for clients; defaults to a readable form of `name`. */
  title?: string;
  /**
   * Validates the step's data. Use strict object schemas: unknown keys must be refused,
   * not stripped. The output must be plain JSON, since it is what the store saves.
   */
  schema: Schema;
  /**
   * The JSON Schema clients get to build a form. Optional when `schema` implements
   * Standard JSON Schema (Zod 4 does).
   */
  jsonSchema?: JsonSchema;
  /**
   * Whether the step applies, given the data saved so far. A step whose `when` is false
   * is skipped and its data dropped.
   * @default () => true
   */
  when?(data: FlowData): boolean;
  /**
   * Rules that need context (the time, other steps), run after the schema passed.
   * Returns field errors, or nothing when the data is acceptable.
   */
  check?(
    data: StandardSchemaV1.InferOutput<Schema>,
    context: CheckContext,
  ): readonly FieldError[] | undefined;
}

/** What a completion handler learns about the flow that just completed. */
export interface CompletedFlow {
  /** The stable identity of the flow (in token mode, not the token): deduplicate side effects on it. */
  flowId: string;
  flow: string;
  definitionVersion: number;
  data: FlowData;
  completedAt: Date;
}

/** The input of `defineFlow`. */
export interface FlowDefinitionInput {
  /** Kebab-case name; the flow is served under `/{name}`. */
  name: string;
  /** A human-readable title for clients; defaults to a readable form of `name`. */
  title?: string;
  /**
   * The definition version. Records keep the version they started on.
   * @default 1
   */
  version?: number;
  /** The ordered steps; `defineStep` types each step's `check` from its schema. */
  steps: readonly StepDefinition[];
  /**
   * How long a flow lives after its last change: milliseconds, or a duration such as
   * `"30m"`, `"12h"`, `"7d"`.
   */
  ttl: number | string;
  /**
   * Called once the completing write is durable. Errors are logged, not sent to the
   * client: the flow is already completed.
   */
  onComplete?: (flow: CompletedFlow) => void | Promise<void>;
}

/** A step as `defineFlow` settles it: numbered, titled, with its JSON Schema. */
export interface DefinedStep extends StepDefinition {
  /** 1-based position in the flow. */
  readonly number: number;
  readonly title: string;
  readonly jsonSchema: JsonSchema;
}

/** A validated, frozen flow definition, as returned by `defineFlow`. */
export interface FlowDefinition {
  readonly name: string;
  readonly title: string;
  readonly version: number;
  readonly steps: readonly DefinedStep[];
  readonly ttlMs: number;
  readonly onComplete?: (flow: CompletedFlow) => void | Promise<void>;
}

/**
 * What a store keeps for one flow. Everything else in the representation (step
 * statuses, the current step, completion) is derived from it and the definition.
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
}

/** Where a step stands in a flow. */
export type StepStatus = "done" | "current" | "pending" | "skipped";

/** A step's position, name and status in one flow. */
export interface StepState {
  number: number;
  name: string;
  title: string;
  status: StepStatus;
}
