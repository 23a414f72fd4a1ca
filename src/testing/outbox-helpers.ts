/**
 * What the event log and outbox tests share: the time of their writes, two destinations,
 * and helpers to make effects and read the outbox.
 *
 * @module
 */
import { expect } from "vitest";
import { type EventDraft, type FlowEvent, sealEvents } from "../flow/events.ts";
import type { FlowRecord } from "../flow/types.ts";
import type {
  Delivery,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryQuery,
  FlowStore,
  WriteEffects,
} from "../store/types.ts";

/** The time of the suite's writes, in epoch milliseconds; claims pass their own `now`. */
export const at = Date.UTC(2026, 0, 1, 12);
/** A webhook destination. */
export const hook = "webhook:https://example.com/hooks";
/** The completion handler's destination. */
export const handler = "handler:onComplete";

/** The optional event log and outbox of a store, bound to it. */
export interface Outbox {
  readEvents(id: string): Promise<FlowEvent[]>;
  claim(request: DeliveryClaim): Promise<Delivery[]>;
  settle(key: string, token: string, outcome: DeliveryOutcome): Promise<boolean>;
  list(query: DeliveryQuery): Promise<DeliveryPage>;
  retry(key: string, now: number): Promise<boolean>;
}

/** The store's log and outbox methods, or the test is skipped. */
export function outboxOf(store: FlowStore, skip: (note: string) => never): Outbox {
  const { readEvents, claimDeliveries, settleDelivery, listDeliveries, retryDelivery } = store;
  if (!readEvents) skip("this store keeps no event log");
  if (!claimDeliveries || !settleDelivery || !listDeliveries || !retryDelivery) {
    throw new Error("a store with readEvents needs every outbox method too");
  }
  return {
    readEvents: (id) => readEvents.call(store, id),
    claim: (request) => claimDeliveries.call(store, request),
    settle: (key, token, outcome) => settleDelivery.call(store, key, token, outcome),
    list: (query) => listDeliveries.call(store, query),
    retry: (key, now) => retryDelivery.call(store, key, now),
  };
}

/**
 * Claims for `holder` at `now` with a lease of a minute, longer than any test: the claim
 * most tests make.
 */
export function lease(outbox: Outbox, holder: string, now: number, limit = 10) {
  return outbox.claim({ now, leaseMs: 60_000, limit, token: holder });
}

/** Every delivery in `state`, walking the pages `limit` at a time. */
export async function listAll(outbox: Outbox, state: Delivery["state"], limit = 100) {
  const deliveries: Delivery[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages > 1_000) throw new Error("the listing does not end");
    const page = await outbox.list({ state, limit, cursor });
    expect(page.deliveries.length).toBeLessThanOrEqual(limit);
    deliveries.push(...page.deliveries);
    cursor = page.cursor;
    if (cursor === undefined) return deliveries;
  }
}

/** The keys of `deliveries`, in their order. */
export const keys = (deliveries: readonly Delivery[]) => deliveries.map((delivery) => delivery.key);
/** A fresh lease token. */
export const token = () => crypto.randomUUID();

/** Events of a write of `record` at the suite's time (or `time`), at `version`. */
export function sealed(
  record: FlowRecord,
  drafts: readonly EventDraft[],
  version = record.version,
  time = at,
): FlowEvent[] {
  return sealEvents(record, drafts, new Date(time), version);
}

/** The effects of a write: `events`, each delivered to every one of `destinations`. */
export function effectsOf(
  events: readonly FlowEvent[],
  destinations: readonly string[],
): WriteEffects {
  return {
    events,
    deliveries: events.flatMap((event) =>
      destinations.map((destination) => ({ eventId: event.id, destination })),
    ),
  };
}

/** `deliveries` sorted by key. */
export function sortByKey(deliveries: readonly Delivery[]): Delivery[] {
  return [...deliveries].sort((a, b) => (a.key < b.key ? -1 : 1));
}
