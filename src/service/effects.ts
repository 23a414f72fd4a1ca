import { createHash } from "node:crypto";
import { COMPLETION_HANDLER, handlerDestination } from "../delivery/destinations.ts";
import { WaymarkError } from "../errors.ts";
import { type EventDraft, type FlowEvent, sealEvents } from "../flow/events.ts";
import { authoredFieldErrors } from "../flow/field-errors.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { DefinedStep, FlowDefinition, FlowRecord } from "../flow/types.ts";
import { asFieldErrors, runUserCode } from "../flow/user-code.ts";
import type { FlowStore, WriteEffects } from "../store/types.ts";

/** The destination of a definition's own `onComplete`. */
const onCompleteDestination = handlerDestination(COMPLETION_HANDLER);

/**
 * Where each event goes besides the definition's own `onComplete`: the names of the
 * destinations it is delivered to, such as `webhook:<url>`.
 *
 * @example (event) => (event.type === "flow.completed" ? ["webhook:https://example.com/hooks"] : [])
 */
export type EventRouting = (event: FlowEvent) => readonly string[];

/**
 * Delivers one event to its destinations at once, before the write that produced it is
 * answered: how token mode, which has no outbox, delivers `flow.completed`.
 *
 * @throws anything: the write is then refused, so a retry delivers again.
 */
export type DeliverNow = (event: FlowEvent, destinations: readonly string[]) => Promise<void>;

/** What {@link createEffects} needs. */
export interface EffectsOptions {
  registry: FlowRegistry;
  store: FlowStore | undefined;
  routing?: EventRouting | undefined;
  deliverNow?: DeliverNow | undefined;
}

/**
 * The effects of writes: their events, sealed with deterministic ids, and the deliveries
 * each event gets; written with the record where the store has an outbox, delivered
 * inline where it has none (token mode, or a store without one).
 *
 * @example
 * const effects = createEffects({ registry, store });
 * const write = effects.of(definition, next, [{ type: "flow.started" }], now);
 * await effects.beforeSave(definition, next, write);
 * await store.create(next, write);
 */
export function createEffects({ registry, store, routing, deliverNow }: EffectsOptions) {
  const outbox = store?.claimDeliveries !== undefined;

  function destinations(definition: FlowDefinition, event: FlowEvent): string[] {
    const found = [...(routing?.(event) ?? [])];
    if (event.type === "flow.completed" && definition.onComplete) found.push(onCompleteDestination);
    return found;
  }

  /** Runs a definition's `onComplete` for its `flow.completed` event. */
  async function runOnComplete(definition: FlowDefinition, record: FlowRecord, event: FlowEvent) {
    const { onComplete } = definition;
    if (!onComplete) return;
    await runUserCode({ flow: definition.name, hook: "onComplete" }, () =>
      onComplete({
        // The stable identity: in token mode `flowId` changes with every write.
        flowId: record.id,
        flow: record.flow,
        definitionVersion: record.definitionVersion,
        data: record.data,
        completedAt: new Date(event.at),
        eventId: event.id,
      }),
    );
  }

  return {
    /**
     * The effects of a write that saves `record` (or, with `version`, of a deletion):
     * `drafts` sealed in order, with their deliveries.
     */
    of(
      definition: FlowDefinition,
      record: FlowRecord,
      drafts: readonly EventDraft[],
      now: Date,
      version?: number,
    ): WriteEffects {
      const events = sealEvents(record, drafts, now, version);
      const deliveries = events.flatMap((event) =>
        destinations(definition, event).map((destination) => ({ eventId: event.id, destination })),
      );
      return { events, deliveries };
    },

    /**
     * What must happen before a write is saved: without an outbox, `flow.completed` is
     * delivered now, so a failure refuses the write and the client's retry delivers it
     * again (at least once, keyed by the event id).
     *
     * @throws WaymarkError `definition-error` when `onComplete` throws,
     * `delivery-unavailable` when another destination fails.
     */
    async beforeSave(definition: FlowDefinition, record: FlowRecord, effects: WriteEffects) {
      if (outbox) return;
      for (const event of effects.events) {
        if (event.type !== "flow.completed") continue;
        await runOnComplete(definition, record, event);
        const others = destinations(definition, event).filter((d) => d !== onCompleteDestination);
        if (others.length === 0 || !deliverNow) continue;
        try {
          await deliverNow(event, others);
        } catch (error) {
          throw new WaymarkError(
            "delivery-unavailable",
            "The flow's completion could not be delivered; retry with the same request",
            { cause: error, retryAfterSeconds: 5 },
          );
        }
      }
    },

    /**
     * Delivers a `flow.completed` event from the outbox to the definition's
     * `onComplete`, with the flow's data as stored now. A flow erased or purged since
     * has no data left to hand over: the delivery is done, and says so.
     *
     * @returns false when the flow was gone.
     * @throws WaymarkError `definition-error` when `onComplete` throws: the delivery is
     * tried again later.
     */
    async deliverOnComplete(event: FlowEvent): Promise<boolean> {
      const record = await store?.load(event.flowKey);
      if (!record) return false;
      const definition = registry.at(record.flow, record.definitionVersion);
      if (!definition) return false;
      await runOnComplete(definition, record, event);
      return true;
    },
  };
}

/**
 * The anonymised key a `tombstone` log is kept under: no way back to the flow id.
 *
 * @example tombstoneKey("3f0c…") // "tombstone-Jq3…" (a SHA-256, base64url)
 */
export function tombstoneKey(flowKey: string): string {
  return `tombstone-${createHash("sha256").update(flowKey).digest("base64url")}`;
}

/**
 * Asks the definition's `beforeComplete` whether the flow may complete with `record`'s
 * data.
 *
 * @throws WaymarkError `invalid-step-data` (422) on `step`, with the errors it returned,
 * completed with codes and worded in `locale` (see `authoredFieldErrors`);
 * `definition-error` when it throws.
 */
export async function vetoCompletion(
  definition: FlowDefinition,
  record: FlowRecord,
  step: DefinedStep,
  { now, locale }: { now: Date; locale: string },
): Promise<void> {
  const { beforeComplete } = definition;
  if (!beforeComplete) return;
  const site = { flow: definition.name, step: step.name, hook: "beforeComplete" } as const;
  const answer = await runUserCode(site, () =>
    beforeComplete({
      flowId: record.id,
      flow: record.flow,
      definitionVersion: record.definitionVersion,
      data: record.data,
      now,
    }),
  );
  const errors = runUserCode(site, () => asFieldErrors(answer));
  if (errors.length > 0) {
    throw new WaymarkError("invalid-step-data", `The data for step "${step.name}" is invalid`, {
      errors: authoredFieldErrors(errors, definition, locale),
    });
  }
}
