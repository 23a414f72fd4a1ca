import type { FieldError } from "./problem.ts";

/** A JSON Schema document (draft 2020-12), as the API hands it out to build forms. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * Where a step stands in one flow: `done`, `current`, `pending` (it will apply),
 * `skipped` (it does not apply, decided by answers given), or `undecided` (whether it
 * applies depends on an answer not given yet).
 */
export type StepStatus = "done" | "current" | "pending" | "skipped" | "undecided";

/** Where a flow stands: `completed` once every applicable step is done (then read-only). */
export type FlowStatus = "in_progress" | "completed";

/**
 * A link in a representation: a path that includes the handler's `basePath`.
 * @example { href: "/api/onboarding/3f0c…/step/2" }
 */
export interface Link {
  href: string;
}

/**
 * One step's position, name and status in a flow representation.
 * @example { number: 3, name: "company-details", title: "Company details", status: "skipped", href: "/onboarding/3f0c…/step/3" }
 */
export interface StepSummary {
  /** 1-based position in the definition; `PUT {href}` submits the step. */
  number: number;
  name: string;
  title: string;
  status: StepStatus;
  href: string;
}

/**
 * The step to do next, with the JSON Schema its data must match.
 * @example { number: 4, name: "review", title: "Review and accept", href: "/onboarding/3f0c…/step/4", schema: { type: "object" } }
 */
export interface CurrentStep {
  number: number;
  name: string;
  title: string;
  href: string;
  schema: JsonSchema;
  /**
   * Only when a migration to a new definition version sent the user back to this step:
   * the field errors the new version found in what they had entered. Their answers are
   * in the step's own representation (`GET {href}`), to fill the form again.
   */
  errors?: FieldError[];
}

/**
 * Where a flow came from when a deploy moved it to a newer definition version.
 * @example { definitionVersion: 1, at: "2026-12-01T09:30:00.000Z" }
 */
export interface MigratedFrom {
  /** The definition version the flow started on. */
  definitionVersion: number;
  /** RFC 3339 time of the move. */
  at: string;
}

/**
 * `GET /{flow}/{flowId}`, and the answer to every write: everything a client needs to
 * drive the flow without knowing its definition in advance.
 *
 * @example
 * const flow: FlowRepresentation = await (await fetch(location)).json();
 * if (flow.currentStep) await fetch(flow.currentStep.href, { method: "PUT", body });
 */
export interface FlowRepresentation<Data = Record<string, Record<string, unknown>>> {
  /** What the flow is addressed by: a store key, or in token mode the sealed flow itself. */
  flowId: string;
  /** The flow definition's name. */
  flow: string;
  title: string;
  /** The definition version the flow is on: the one it started on, unless it was migrated. */
  definitionVersion: number;
  /** Present once a deploy moved the flow to a newer definition version. */
  migratedFrom?: MigratedFrom;
  /** Grows by one with each change; the ETag says the same. */
  version: number;
  status: FlowStatus;
  steps: StepSummary[];
  /** Absent once the flow is completed. */
  currentStep?: CurrentStep;
  /** Each done step's data, keyed by step name. */
  data: Data;
  /** RFC 3339 timestamps. */
  createdAt: string;
  updatedAt: string;
  /** When the flow expires unless it changes before then (sliding). */
  expiresAt: string;
  links: { self: Link; current?: Link };
  /**
   * Only in the answer to `POST /{flow}` of a flow whose access is `secret`: the
   * credential every later request sends as `Authorization: Bearer {flowSecret}`.
   * It is shown once; the server keeps only its hash.
   */
  flowSecret?: string;
}

/**
 * `GET /{flow}/{flowId}/step/{step}`: one step, its saved data (null until done) and
 * its JSON Schema, to prefill a form.
 *
 * @example const step: StepRepresentation = await (await fetch(flow.steps[0].href)).json();
 */
export interface StepRepresentation<Data = Record<string, unknown>> {
  flowId: string;
  number: number;
  name: string;
  title: string;
  status: StepStatus;
  /**
   * The saved data, null until done. For a step a migration sent back, what the user
   * had entered (it no longer passes), to fill the form again; `errors` says why.
   */
  data: Data | null;
  /** Only for a step a migration sent back: the field errors in `data`. */
  errors?: FieldError[];
  schema: JsonSchema;
  href: string;
  links: { flow: Link };
}

/**
 * `GET /{flow}`: a flow described without starting one, from the newest definition: what
 * a client shows before the first step, or to say what lies ahead.
 *
 * @example
 * { flow: "onboarding", title: "Onboarding", definitionVersion: 1, ttlMs: 604800000,
 *   steps: [{ number: 3, name: "company-details", title: "Company details", conditional: true, schema: {…} }, …],
 *   links: { start: { href: "/onboarding", method: "POST" } } }
 */
export interface FlowDescription {
  flow: string;
  title: string;
  /** What the flow is for, in a sentence or two, when its definition gives one. */
  description?: string;
  /** The version new flows start on. */
  definitionVersion: number;
  /** How long a flow lives after its last change, in milliseconds. */
  ttlMs: number;
  /**
   * Who may touch a started flow: its id alone (`capability`), its id and the
   * `flowSecret` from the start (`secret`), or the host app's own authentication
   * (`authorize`).
   */
  access: "capability" | "secret" | "authorize";
  steps: DescribedStep[];
  links: { start: Link & { method: "POST" } };
}

/** One step of a {@link FlowDescription}. */
export interface DescribedStep {
  number: number;
  name: string;
  title: string;
  /**
   * The step applies to some flows only (its definition has a `when`); which earlier
   * answers decide it is code, not data, so it is not described.
   */
  conditional: boolean;
  schema: JsonSchema;
}

/**
 * `GET /{flow}/{flowId}/history`: a flow's events, oldest first. They name steps and
 * fields, never the values entered.
 *
 * @example
 * { flow: "onboarding", flowId: "3f0c…", events: [
 *   { id: "3f0c…:1:0", type: "flow.started", version: 1, definitionVersion: 1, at: "2026-12-01T09:00:00.000Z" },
 *   { id: "3f0c…:2:0", type: "step.submitted", version: 2, definitionVersion: 1, at: "2026-12-01T09:01:10.000Z",
 *     step: "personal-info", fields: ["/email", "/firstName", "/lastName"] } ] }
 */
export interface FlowHistory {
  flow: string;
  flowId: string;
  /** Oldest first: the newest 10,000 when there are more. */
  events: HistoryEvent[];
  /** How many older events were left out, when some were. */
  omitted?: number;
}

/**
 * What happened to a flow, one kind per event:
 * - `flow.started`, `flow.completed`, `flow.deleted`, `flow.expired`;
 * - `step.submitted`: a step's data was saved (`step`, and `fields` that changed);
 * - `step.skipped`: the flow went past a step whose `when` is false (with the `fields`
 *   it dropped, if the step had data);
 * - `step.reset`: a step that still applies lost its data to re-planning (its `check`
 *   failed against an earlier step's new data), with the `fields` dropped;
 * - `flow.migrated`: the flow moved to a newer definition version (`fromVersion`), with
 *   the `steps` sent back to the user;
 * - `flow.recovered`: an expired flow was brought back with its data.
 */
export type FlowEventType =
  | "flow.started"
  | "step.submitted"
  | "step.skipped"
  | "step.reset"
  | "flow.completed"
  | "flow.expired"
  | "flow.deleted"
  | "flow.migrated"
  | "flow.recovered";

/**
 * One event of a {@link FlowHistory}. `id` is `{flowId}:{version}:{index}`, the
 * `webhook-id` its webhook carries. `fields` are JSON Pointers into the step's data.
 */
export interface HistoryEvent {
  id: string;
  type: FlowEventType;
  /** The flow's version after the write that made the event. */
  version: number;
  definitionVersion: number;
  /** When, as an RFC 3339 date-time in UTC. */
  at: string;
  step?: string;
  fields?: string[];
  fromVersion?: number;
  steps?: string[];
}
