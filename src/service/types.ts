import type { FlowEvent } from "../flow/events.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { DefinedStep, FlowDefinition, FlowRecord, StepState } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";
import type { TokenMode } from "../token/mode.ts";
import type { Caller } from "./access.ts";
import type { DeliverNow, EventRouting } from "./effects.ts";
import type { Preconditions } from "./preconditions.ts";

/**
 * Where flows are kept: records in a store under their id, or no store at all, with
 * each flow sealed in its own flow id (token mode). Exactly one of the two.
 *
 * @example { store: createSqliteStore({ path: "./flows.db" }) }
 * @example { tokens: createTokenMode({ keyring }) }
 */
export type FlowKeeping =
  | { store: FlowStore; tokens?: never }
  | { tokens: TokenMode; store?: never };

/**
 * Options of {@link createFlowService}: the flows, and where they are kept.
 *
 * @example { flows: [onboarding], store: createMemoryStore() }
 */
export type FlowServiceOptions = FlowKeeping & {
  /** The flows served; several versions of one flow may be given. */
  flows: readonly FlowDefinition[];
  /**
   * How long a step write may wait, in milliseconds, for the other writes to its flow
   * (its turn, the flow's write lock, back-off) before giving up with
   * `concurrent-update`.
   * @default 5000
   */
  writeWaitMs?: number | undefined;
  /**
   * Where each event goes besides a definition's own `onComplete` (which gets every
   * `flow.completed`): destination names, such as `webhook:<url>`, each delivery written
   * to the store's outbox with the record.
   */
  routing?: EventRouting | undefined;
  /**
   * How `flow.completed` reaches the destinations of {@link routing} where there is no
   * outbox (token mode, or a store without one): at once, before the completing write is
   * answered; a failure refuses the write with 503 `delivery-unavailable`.
   */
  deliverNow?: DeliverNow | undefined;
  /** Told what the use cases do, for metrics; see {@link FlowObserver}. */
  observer?: FlowObserver | undefined;
  /**
   * Where a failure to count a refused submission (see `FlowStore.countRejection`) is
   * told: flow, step and the error's name, never data. pino's shape fits.
   */
  logger?: ServiceLogger | undefined;
};

/** The subset of a logger (pino's shape) the use cases write to. */
export interface ServiceLogger {
  warn?(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * What a step write came to, for {@link FlowObserver.stepWritten}: `changed` (saved),
 * `unchanged` (identical data, nothing written), `rejected` (refused with a client
 * error: invalid data, out of order, a stale `If-Match`, a flow busy for too long…) or
 * `failed` (the store or a definition failed).
 */
export type StepWriteOutcome = "changed" | "unchanged" | "rejected" | "failed";

/**
 * Told, as they happen, what the use cases did: what metrics count. Called with flow
 * names as requests gave them (the caller keeps only registered ones), never with flow
 * ids or data; must not throw.
 *
 * @example { flowStarted: (flow) => started.inc({ flow }) }
 */
export interface FlowObserver {
  /** A flow was created (not a create replayed under an `Idempotency-Key`). */
  flowStarted?(flow: string): void;
  /** A step write completed its flow. */
  flowCompleted?(flow: string): void;
  /** A step write ended: once per request, whatever its retries. */
  stepWritten?(flow: string, outcome: StepWriteOutcome): void;
  /** A request found its flow expired (410), counted per request, not per flow. */
  expiredFound?(flow: string): void;
  /** A write lost a compare-and-set to another write of the same flow. */
  writeConflict?(flow: string): void;
  /** A write tried again after losing a compare-and-set. */
  writeRetry?(flow: string): void;
}

/**
 * A flow as one request found or left it: what every use case answers with.
 *
 * @example
 * const { flowId, etag, plan } = await flows.read("onboarding", id, { now: new Date() });
 * plan.find((step) => step.status === "current")?.name // "contract-details"
 */
export interface FlowView {
  definition: FlowDefinition;
  record: FlowRecord;
  /** What clients address the flow by: the record's id, or in token mode the sealed record. */
  flowId: string;
  /** The strong entity tag of this state of the flow. */
  etag: string;
  /** Each step's status for the record's data, planned once. */
  plan: StepState[];
}

/**
 * A flow and one of its steps, from {@link FlowService.readStep}.
 *
 * @example (await flows.readStep("onboarding", id, "review", { now })).step.number // 4
 */
export interface StepView extends FlowView {
  step: DefinedStep;
}

/**
 * A flow just started, from {@link FlowService.start}: for a `secret` flow, with the
 * secret to show its caller once.
 *
 * @example const { flowId, flowSecret } = await flows.start("kyc", { now: new Date() });
 */
export interface StartedFlow extends FlowView {
  /** The `flowSecret` of a `secret` flow: shown once, kept only as a hash. */
  flowSecret: string | undefined;
}

/**
 * What {@link FlowService.submit} did: the flow after the write, and whether it changed.
 *
 * @example if (!(await flows.submit("onboarding", id, "1", data, { now })).changed) console.log("no-op");
 */
export interface SubmitOutcome extends FlowView {
  /** False for a resubmission that changes nothing: same version, same ETag. */
  changed: boolean;
}

/**
 * The operations of a flow, as plain functions: flow name, flow id, body, preconditions
 * and the time in; a {@link FlowView} out, or a thrown `WaymarkError`. They load,
 * apply the engine, compare-and-set and retry; they know no HTTP. A failed call writes
 * nothing.
 */
export interface FlowService {
  readonly registry: FlowRegistry;
  /** The store flows are kept in; undefined in token mode (nothing to deduplicate or delete). */
  readonly store: FlowStore | undefined;
  /**
   * Starts a flow on the newest version of its definition. `id` fixes the new record's
   * id (an idempotency key's claim does); an existing record with that id is returned
   * instead of a second one being made: for a `secret` flow with a new secret, since
   * the first was shown to a caller who lost it, and for an `authorize` flow only to
   * the subject it is bound to.
   * @throws WaymarkError `unknown-flow` (also when `authorize` refuses the caller),
   * `definition-error`, `token-too-large`, `concurrent-update`, `store-unavailable`.
   */
  start(flow: string, input: { now: Date; id?: string; caller?: Caller }): Promise<StartedFlow>;
  /**
   * The live flow a flow id names. With preconditions, `notModified` says the client's
   * copy (`If-None-Match`) is current: answer 304. A caller the flow's access mode
   * refuses gets exactly what an unknown flow id gets. A flow in progress on an older
   * definition version is first moved as that version's policy says (`migrate`,
   * `restart`), and saved with one compare-and-set: the answer is the moved flow, under
   * a new `flowId` in token mode.
   * @throws WaymarkError `unknown-flow`, `flow-not-found`, `invalid-flow-token`,
   * `definition-retired`, `flow-expired` (with `recoverableUntil` while it can be
   * recovered), `precondition-failed` (a stale `If-Match`), `definition-error` (a
   * `migrate` that threw, too), `token-too-large`, `concurrent-update`,
   * `store-unavailable`.
   */
  read(flow: string, flowId: string, input: ReadInput): Promise<FlowView & Freshness>;
  /**
   * One step of a live flow, by 1-based number or name; preconditions as for `read`.
   * @throws WaymarkError as {@link FlowService.read}, and `step-not-found`.
   */
  readStep(
    flow: string,
    flowId: string,
    step: string,
    input: ReadInput,
  ): Promise<StepView & Freshness>;
  /**
   * Submits a step's data. The body is the step's data, or the seed's envelope
   * `{ "personalInfo": { … } }`. Completing the flow runs its `onComplete` before the
   * write is saved. Writes to one flow take turns: one that lost its compare-and-set
   * to another process waits for the flow's write lock (or backs off, on a store
   * without locks) and tries again, for up to `writeWaitMs` in all, unless `If-Match`
   * pinned the version.
   * @throws WaymarkError as {@link FlowService.readStep}, and `precondition-failed`,
   * `step-out-of-order`, `step-not-applicable`, `flow-completed`, `invalid-step-data`,
   * `token-too-large`, `concurrent-update`, `definition-error`, `store-unavailable`.
   * Field errors are worded in `input.locale` (a BCP 47 tag; `"en"` when not given).
   */
  submit(
    flow: string,
    flowId: string,
    step: string,
    body: unknown,
    input: { now: Date; preconditions?: Preconditions; caller?: Caller; locale?: string },
  ): Promise<SubmitOutcome>;
  /**
   * Brings an expired flow back with its data, while it can be recovered (within its
   * definition's `recoverFor` after expiry, and in token mode unless the definition
   * set `recoverTokens: false`): it gets a new expiry, and moves to the newest
   * definition version as that version's policy says. A flow that is live already is
   * answered as it is, so a retried recovery is harmless. An expired flow's
   * `flow-expired` refusal carries `recoverableUntil` (RFC 3339) while this can work.
   * @throws WaymarkError `unknown-flow`, `flow-not-found`, `invalid-flow-token`,
   * `flow-expired` (past the grace period, or not recoverable), `definition-retired`,
   * `precondition-failed`, `token-too-large`, `concurrent-update`, `definition-error`,
   * `store-unavailable`.
   */
  recover(
    flow: string,
    flowId: string,
    input: { now: Date; preconditions?: Preconditions; caller?: Caller },
  ): Promise<SubmitOutcome>;
  /**
   * Erases a flow and its data, expired or not, whatever its definition. In token mode
   * there is nothing to erase: the flow id is checked and the client drops it.
   * @throws WaymarkError `unknown-flow`, `flow-not-found`, `invalid-flow-token`,
   * `precondition-failed`, `store-unavailable`.
   */
  erase(
    flow: string,
    flowId: string,
    input: { now?: Date; preconditions?: Preconditions; caller?: Caller },
  ): Promise<void>;
  /**
   * A flow's event log, oldest first: names of steps and fields, never values. Served
   * where the definition's `history` is on and the caller may read the flow; an expired
   * flow's history is there until it is purged.
   * @throws WaymarkError `unknown-flow`, `flow-not-found`, `invalid-flow-token`,
   * `history-unavailable` (history off, token mode, or a store without a log),
   * `store-unavailable`.
   */
  history(flow: string, flowId: string, input: { caller?: Caller }): Promise<FlowEvent[]>;
  /**
   * Delivers a `flow.completed` event from the outbox to its definition's `onComplete`,
   * with the flow's data as stored now; false when the flow is gone (erased or purged)
   * and there is nothing to hand over. What the deliverer calls for
   * `handler:onComplete`.
   * @throws WaymarkError `definition-error` when `onComplete` throws.
   */
  deliverOnComplete(event: FlowEvent): Promise<boolean>;
}

/** What a read takes: the time, the request's preconditions, and who is asking. */
export interface ReadInput {
  now: Date;
  preconditions?: Preconditions | undefined;
  /** Needed by `secret` and `authorize` flows; without it they refuse. */
  caller?: Caller | undefined;
}

/** Whether the client's copy is current (`If-None-Match` matched): answer 304. */
export interface Freshness {
  notModified: boolean;
}
