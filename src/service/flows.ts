import { randomUUID } from "node:crypto";
import { WaymarkError } from "../errors.ts";
import {
  createRecord,
  expired,
  findStep,
  isExpired,
  lifetime,
  planSteps,
  submitStep,
} from "../flow/engine.ts";
import {
  declaredFields,
  type EventDraft,
  isCompleted,
  migrationEvent,
  submissionEvents,
} from "../flow/events.ts";
import { isPlainObject } from "../flow/json.ts";
import { placeRecord, type Settled, settleRecord } from "../flow/placement.ts";
import { createRegistry, unknownFlow } from "../flow/registry.ts";
import type { DefinedStep, FlowDefinition, FlowOperation, FlowRecord } from "../flow/types.ts";
import { showPlan } from "../flow/undecided.ts";
import { invalidFlowToken } from "../token/mode.ts";
import { admitStart, admits, type Caller, newSecret } from "./access.ts";
import { createEffects, tombstoneKey, vetoCompletion } from "./effects.ts";
import {
  evaluatePreconditions,
  hasEntityTags,
  type Preconditions,
  staleEtag,
} from "./preconditions.ts";
import type {
  FlowObserver,
  FlowService,
  FlowServiceOptions,
  FlowView,
  StepWriteOutcome,
  SubmitOutcome,
} from "./types.ts";
import { createWriteTurns, defaultWriteWaitMs, type WriteWatch } from "./write-turns.ts";

/** Store keys are URL-safe; anything else is not found, without asking the store. */
const idPattern = /^[A-Za-z0-9_.-]{1,12288}$/;

/** Whether `id` could name a stored flow at all: anything else is not found unasked. */
export function isStoreId(id: string): boolean {
  return idPattern.test(id);
}

/**
 * Creates the use cases over one set of flows and where they are kept.
 *
 * @throws Error for a reserved flow name, a version defined twice, not exactly one of
 * `store` and `tokens`, a store with only one of the write-lock methods, or a
 * `writeWaitMs` that is not a positive number.
 * @example
 * const flows = createFlowService({ flows: [onboarding], store: createMemoryStore() });
 * const started = await flows.start("onboarding", { now: new Date() });
 * await flows.submit("onboarding", started.flowId, "1", personalInfo, { now: new Date() });
 */
export function createFlowService(options: FlowServiceOptions): FlowService {
  const { store, tokens } = options;
  // The types say so too; this is for JavaScript callers and casts.
  if ((store === undefined) === (tokens === undefined)) {
    throw new Error("give either store (a FlowStore) or tokens (token mode), not both or neither");
  }
  const registry = createRegistry(options.flows);
  const writeWaitMs = options.writeWaitMs ?? defaultWriteWaitMs;
  if (!(Number.isFinite(writeWaitMs) && writeWaitMs > 0)) {
    throw new Error(`writeWaitMs must be a positive number of milliseconds, not ${writeWaitMs}`);
  }
  if ((store?.claimWriteLock === undefined) !== (store?.releaseWriteLock === undefined)) {
    throw new Error("a store gives claimWriteLock and releaseWriteLock together, or neither");
  }
  const turns = createWriteTurns(store, writeWaitMs);
  const observer: FlowObserver = options.observer ?? {};
  const watchOf = (flow: string): WriteWatch => ({
    lost: () => observer.writeConflict?.(flow),
    retried: () => observer.writeRetry?.(flow),
  });
  const effects = createEffects({
    registry,
    store,
    routing: options.routing,
    deliverNow: options.deliverNow,
  });

  const etagOf = (record: FlowRecord, flowId: string) =>
    tokens ? tokens.etag(flowId) : `"v${record.version}"`;
  /** What clients address a record by: its id, or in token mode the record sealed. */
  const flowIdOf = (record: FlowRecord) => (tokens ? tokens.seal(record) : record.id);

  function view(definition: FlowDefinition, record: FlowRecord, flowId: string): FlowView {
    const plan = showPlan(definition, planSteps(definition, record.data), record.data);
    return { definition, record, flowId, etag: etagOf(record, flowId), plan };
  }

  function latest(flow: string): FlowDefinition {
    const definition = registry.latest(flow);
    if (!definition) throw unknownFlow(flow);
    return definition;
  }

  /**
   * The record a flow id names, expired or not, if the caller may have it: a refused
   * caller gets exactly what an unknown id gets, before anything else is said.
   */
  async function load(
    flow: string,
    flowId: string,
    operation: FlowOperation,
    caller: Caller = {},
  ): Promise<FlowRecord> {
    const newest = latest(flow);
    // A token that is not even URL-safe is still a token: 404 invalid-flow-token.
    const record = tokens
      ? tokens.open(flowId)
      : idPattern.test(flowId)
        ? await store.load(flowId)
        : undefined;
    if (!record || record.flow !== flow) throw notFound(flow);
    // The mode of the version it started on; a retired version's flows keep the newest's.
    const definition = registry.at(flow, record.definitionVersion) ?? newest;
    if (!(await admits(definition, operation, record, caller))) {
      throw tokens ? invalidFlowToken() : notFound(flow);
    }
    return record;
  }

  /**
   * What a loaded record is served as (see {@link placeRecord}): the definition it is on,
   * and the record itself or, where its version's policy says so, the record moved to the
   * newest version (`moved`: to be saved before it is answered with).
   */
  async function serve(record: FlowRecord, now: Date): Promise<Settled> {
    return settleRecord(placeRecord(registry, record), record, now);
  }

  /** Whether an expired record can still be brought back with `recover`. */
  function recoverable(record: FlowRecord, now: Date): boolean {
    const newest = latest(record.flow);
    // Recovered, it would be served with its data: the same decision as for a live flow.
    const { kind } = placeRecord(registry, record);
    // A restart keeps none of the data: there is nothing to recover.
    const served =
      kind === "newest" || kind === "completed" || kind === "keep" || kind === "migrate";
    return (
      served &&
      now.getTime() < (record.keepUntil ?? record.expiresAt) &&
      (!tokens || newest.recoverTokens)
    );
  }

  /** The refusal for an expired flow: with when it can be recovered until, if it can. */
  function expiredError(record: FlowRecord, now: Date): WaymarkError {
    observer.expiredFound?.(record.flow);
    if (!recoverable(record, now)) return expired();
    const until = new Date(record.keepUntil ?? record.expiresAt).toISOString();
    return new WaymarkError(
      "flow-expired",
      "This flow has expired; recover it to continue where you left off",
      { extensions: { recoverableUntil: until } },
    );
  }

  /**
   * The live flow a flow id names, served as {@link serve} says: a record moved to the
   * newest version is saved (one compare-and-set) before it is answered with.
   */
  async function loadLive(
    flow: string,
    flowId: string,
    now: Date,
    operation: FlowOperation,
    caller: Caller | undefined,
  ) {
    const attempt = async () => {
      const loaded = await load(flow, flowId, operation, caller);
      if (isExpired(loaded, now)) throw expiredError(loaded, now);
      const { definition, record, moved, returned } = await serve(loaded, now);
      if (!moved) return { definition, record, flowId };
      const drafts = [migrated(loaded, returned)];
      const saved = await commit(definition, record, loaded.version, drafts, now);
      return saved === undefined ? undefined : { definition, record, flowId: saved };
    };
    // Only a record being moved writes, and only then can it lose to another write.
    return (await attempt()) ?? turns.write(flowId, false, attempt, watchOf(flow));
  }

  /**
   * Saves `next` if the stored version is still `expected`, with the events `drafts`
   * and their deliveries; its flow id, or undefined when another write got there first.
   */
  async function commit(
    definition: FlowDefinition,
    next: FlowRecord,
    expected: number,
    drafts: readonly EventDraft[],
    now: Date,
  ): Promise<string | undefined> {
    // Sealed first: a flow too large for its token fails before any effect.
    const flowId = flowIdOf(next);
    const write = effects.of(definition, next, drafts, now);
    await effects.beforeSave(definition, next, write);
    if (tokens) return flowId;
    return (await store.save(next, expected, write)) ? flowId : undefined;
  }

  /**
   * Counts the fields of a 422 for the funnel, by the names the step's schema declares.
   * Best-effort: a failure is logged (no data) and the refusal stands as it is.
   */
  async function countRejection(
    definition: FlowDefinition,
    step: DefinedStep,
    error: WaymarkError,
    now: Date,
  ): Promise<void> {
    if (!store?.countRejection) return;
    const fields = declaredFields(
      step.jsonSchema,
      error.errors.map(({ path }) => path),
    );
    try {
      await store.countRejection({
        flow: definition.name,
        definitionVersion: definition.version,
        step: step.name,
        fields,
        at: now.getTime(),
      });
    } catch (failure) {
      const log = options.logger;
      const fields = { flow: definition.name, step: step.name, err: errorName(failure) };
      (log?.warn ?? log?.error)?.call(log, fields, "cannot count a refused submission");
    }
  }

  return {
    registry,
    store,

    async start(flow, { now, id, caller = {} }) {
      const definition = latest(flow);
      const admitted = await admitStart(definition, caller);
      // Refused like a flow that does not exist: nothing to tell a stranger apart by.
      if (!admitted) throw unknownFlow(flow);
      const created = createRecord(definition, { id: id ?? randomUUID(), now });
      const fresh = admitted.access ? { ...created, access: admitted.access } : created;
      // Planned before anything is kept: a definition that fails leaves nothing behind.
      const started = view(definition, fresh, flowIdOf(fresh));
      const write = effects.of(definition, fresh, [{ type: "flow.started" }], now);
      if (tokens || (await store.create(fresh, write))) {
        observer.flowStarted?.(flow);
        return { ...started, flowSecret: admitted.secret };
      }
      // A retried create under an idempotency key finds the flow its first attempt made.
      const existing = await store.load(fresh.id);
      if (!existing) {
        throw new WaymarkError("concurrent-update", "The flow was removed while being created");
      }
      const settled = registry.at(existing.flow, existing.definitionVersion) ?? definition;
      if (existing.access?.subject !== admitted.access?.subject) throw unknownFlow(flow);
      if (existing.access?.secretHash === undefined) {
        return { ...view(settled, existing, existing.id), flowSecret: undefined };
      }
      // The first answer's secret never reached its caller: a new one replaces it.
      const { secret, secretHash } = newSecret();
      const next: FlowRecord = {
        ...existing,
        access: { ...existing.access, secretHash },
        version: existing.version + 1,
        ...lifetime(settled, now.getTime()),
      };
      if (!(await store.save(next, existing.version))) {
        throw new WaymarkError("concurrent-update", "The flow changed while it was restarted");
      }
      return { ...view(settled, next, next.id), flowSecret: secret };
    },

    async read(flow, flowId, { now, preconditions, caller }) {
      const live = await loadLive(flow, flowId, now, "read", caller);
      const found = view(live.definition, live.record, live.flowId);
      return { ...found, notModified: isNotModified(preconditions, found.etag) };
    },

    async readStep(flow, flowId, ref, { now, preconditions, caller }) {
      const { definition, record, ...live } = await loadLive(
        flow,
        flowId,
        now,
        "read-step",
        caller,
      );
      const found = { ...view(definition, record, live.flowId), step: stepOf(definition, ref) };
      return { ...found, notModified: isNotModified(preconditions, found.etag) };
    },

    async submit(flow, flowId, ref, body, { now, preconditions, caller, locale = "en" }) {
      /** Load, apply, compare-and-set: undefined when another write got there first. */
      async function attempt(): Promise<SubmitOutcome | undefined> {
        const loaded = await load(flow, flowId, "submit", caller);
        if (isExpired(loaded, now)) throw expiredError(loaded, now);
        // The client's copy is the record as stored, before any migration.
        evaluatePreconditions(preconditions, etagOf(loaded, flowId), { safe: false });
        // A migration and the step it lets through are one write.
        const { definition, record, moved, returned } = await serve(loaded, now);
        const step = stepOf(definition, ref);
        const data = unwrap(step, body);
        const result = await submitStep(definition, record, step, data, now, locale);
        if (!result.ok) {
          if (result.error.code === "invalid-step-data") {
            await countRejection(definition, step, result.error, now);
          }
          throw result.error;
        }
        if (!result.changed && !moved) {
          return { ...view(definition, record, flowId), changed: false };
        }
        const next = result.changed ? result.record : record;
        if (result.changed && result.completed) {
          await vetoCompletion(definition, next, step, { now, locale });
        }
        const drafts = [
          ...(moved ? [migrated(loaded, returned)] : []),
          ...(result.changed ? submissionEvents(definition, record, next, step.name) : []),
        ];
        const saved = await commit(definition, next, loaded.version, drafts, now);
        return saved === undefined
          ? undefined
          : { ...view(definition, next, saved), changed: true };
      }
      let outcome: StepWriteOutcome = "failed";
      try {
        const done = await turns.write(
          flowId,
          hasEntityTags(preconditions),
          attempt,
          watchOf(flow),
        );
        outcome = done.changed ? "changed" : "unchanged";
        // A completed flow takes no more writes: a write that changed one completed it.
        if (done.changed && isCompleted(done.plan)) observer.flowCompleted?.(flow);
        return done;
      } catch (error) {
        outcome = refusal(error) ? "rejected" : "failed";
        throw error;
      } finally {
        observer.stepWritten?.(flow, outcome);
      }
    },

    async recover(flow, flowId, { now, preconditions, caller }) {
      async function attempt(): Promise<SubmitOutcome | undefined> {
        const loaded = await load(flow, flowId, "recover", caller);
        evaluatePreconditions(preconditions, etagOf(loaded, flowId), { safe: false });
        const expiredNow = isExpired(loaded, now);
        if (expiredNow && !recoverable(loaded, now)) throw expiredError(loaded, now);
        const { definition, record, moved, returned } = await serve(loaded, now);
        // Live already (a retried recovery, say): answered as a read would be.
        if (!expiredNow && !moved) return { ...view(definition, record, flowId), changed: false };
        const next: FlowRecord = expiredNow
          ? { ...record, version: loaded.version + 1, ...lifetime(definition, now.getTime()) }
          : record;
        const drafts: EventDraft[] = [
          ...(moved ? [migrated(loaded, returned)] : []),
          ...(expiredNow ? [{ type: "flow.recovered" } as const] : []),
        ];
        const saved = await commit(definition, next, loaded.version, drafts, now);
        return saved === undefined
          ? undefined
          : { ...view(definition, next, saved), changed: true };
      }
      return turns.write(flowId, hasEntityTags(preconditions), attempt, watchOf(flow));
    },

    async erase(flow, flowId, { now = new Date(), preconditions, caller }) {
      const record = await load(flow, flowId, "erase", caller);
      evaluatePreconditions(preconditions, etagOf(record, flowId), { safe: false });
      if (tokens) return;
      const pinned = hasEntityTags(preconditions) ? record.version : undefined;
      const definition = registry.at(flow, record.definitionVersion) ?? latest(flow);
      const deleted = [{ type: "flow.deleted" } as const];
      const write = {
        ...effects.of(definition, record, deleted, now, record.version + 1),
        afterErase:
          definition.historyAfterErase === "tombstone"
            ? { tombstoneKey: tombstoneKey(record.id) }
            : ("erase" as const),
      };
      if (!(await store.delete(record.id, pinned, write)) && pinned !== undefined) {
        throw staleEtag();
      }
    },

    async history(flow, flowId, { caller }) {
      const record = await load(flow, flowId, "history", caller);
      const definition = registry.at(flow, record.definitionVersion) ?? latest(flow);
      if (tokens || !store.readEvents || !definition.history) {
        throw new WaymarkError(
          "history-unavailable",
          tokens || !store.readEvents
            ? "Flows kept here have no event log"
            : `The history of ${flow} flows is not served`,
        );
      }
      return store.readEvents(record.id);
    },

    deliverOnComplete: effects.deliverOnComplete,
  };
}

/** The event of a migration that moved `loaded` to the newest version. */
function migrated(loaded: FlowRecord, returned: Settled["returned"]): EventDraft {
  return migrationEvent(
    loaded.definitionVersion,
    returned.map(({ step }) => step),
  );
}

/** Codes that say the server, its store or a definition failed, not the request. */
const failures = new Set(["store-unavailable", "delivery-unavailable", "definition-error"]);

/** Whether `error` refuses the request (a client error) rather than reports a failure. */
function refusal(error: unknown): boolean {
  return error instanceof WaymarkError && !failures.has(error.code);
}

function isNotModified(preconditions: Preconditions | undefined, etag: string): boolean {
  return evaluatePreconditions(preconditions, etag, { safe: true }) === "not-modified";
}

function stepOf(definition: FlowDefinition, ref: string): DefinedStep {
  const step = findStep(definition, ref);
  if (!step) {
    throw new WaymarkError(
      "step-not-found",
      `"${definition.name}" has no step "${ref.slice(0, 100)}"; steps are 1 to ${definition.steps.length} or their names`,
    );
  }
  return step;
}

/**
 * Accepts the seed's envelope `{ "personalInfo": { … } }` as well as the bare step data:
 * a body whose only key is the step's name (as written or in camelCase), holding an
 * object, is unwrapped, unless the step's schema itself has a field of that name.
 */
function unwrap(step: DefinedStep, body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const keys = Object.keys(body);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return body;
  const fields = step.jsonSchema.properties;
  const isField = isPlainObject(fields) && Object.hasOwn(fields, key);
  return (key === envelopeKey(step.name) || key === step.name) &&
    !isField &&
    isPlainObject(body[key])
    ? body[key]
    : body;
}

/**
 * The key of a step's envelope: its name in camelCase.
 *
 * @example envelopeKey("personal-info") // "personalInfo"
 */
export function envelopeKey(stepName: string): string {
  return stepName.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The refusal for a flow id nothing is kept under, and for a caller refused access. */
export function notFound(flow: string): WaymarkError {
  return new WaymarkError("flow-not-found", `No ${flow} flow has this id`);
}

/** An error's name (and code, for a WaymarkError), never its message: it may quote data. */
function errorName(error: unknown): string {
  if (error instanceof WaymarkError) return `${error.name} ${error.code}`;
  return error instanceof Error ? error.name : typeof error;
}
