import type { FlowEvent } from "../flow/events.ts";
import {
  checkDeliveryLimit,
  deliveryCursor,
  type OutboxEntry,
  type outboxEntries,
  tombstoneOf,
  underTombstone,
} from "./effects.ts";
import type {
  Delivery,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryQuery,
  WriteEffects,
} from "./types.ts";

/** A delivery as the memory outbox keeps it, with its lease. */
interface Entry {
  delivery: Delivery;
  /** Epoch milliseconds; 0 when not leased. */
  leaseUntil: number;
  leaseToken: string | undefined;
}

/**
 * The event logs and outbox of a memory store, shared by its handles. Every function
 * runs without awaiting, so each is atomic, as the store's own methods are.
 */
export interface MemoryOutbox {
  /** Each flow's log, by `{version}:{index}`. */
  readonly logs: Map<string, Map<string, FlowEvent>>;
  readonly entries: Map<string, Entry>;
}

/**
 * A new, empty memory outbox.
 *
 * @example const outbox = newMemoryOutbox();
 */
export function newMemoryOutbox(): MemoryOutbox {
  return { logs: new Map(), entries: new Map() };
}

/**
 * Appends a write's events to their flows' logs, and its deliveries (from
 * {@link outboxEntries}, computed before the write so that bad effects write nothing) to
 * the outbox, keeping what is there under the same event id or delivery key.
 */
export function writeEffects(
  outbox: MemoryOutbox,
  events: readonly FlowEvent[],
  deliveries: readonly OutboxEntry[],
): void {
  for (const event of events) {
    const log = outbox.logs.get(event.flowKey) ?? new Map<string, FlowEvent>();
    outbox.logs.set(event.flowKey, log);
    const place = `${event.version}:${event.index}`;
    if (!log.has(place)) log.set(place, copy(event));
  }
  for (const { key, destination, event } of deliveries) {
    if (outbox.entries.has(key)) continue;
    outbox.entries.set(key, {
      delivery: {
        key,
        destination,
        event: copy(event),
        state: "pending",
        attempts: 0,
        nextAttemptAt: event.at,
        createdAt: event.at,
      },
      leaseUntil: 0,
      leaseToken: undefined,
    });
  }
}

/** Erases flow `id`'s log, or moves it under the tombstone key `effects` names. */
export function eraseLog(outbox: MemoryOutbox, id: string, effects?: WriteEffects): void {
  const log = outbox.logs.get(id);
  outbox.logs.delete(id);
  const tombstoneKey = tombstoneOf(effects);
  if (log === undefined || tombstoneKey === undefined) return;
  const kept = outbox.logs.get(tombstoneKey) ?? new Map<string, FlowEvent>();
  for (const [place, event] of log) kept.set(place, underTombstone(event, tombstoneKey));
  outbox.logs.set(tombstoneKey, kept);
}

/** {@link FlowStore.readEvents} on the memory outbox. */
export function readEvents(outbox: MemoryOutbox, id: string): FlowEvent[] {
  return [...(outbox.logs.get(id)?.values() ?? [])].sort(byPlace).map(copy);
}

/** {@link FlowStore.claimDeliveries} on the memory outbox. */
export function claimDeliveries(outbox: MemoryOutbox, request: DeliveryClaim): Delivery[] {
  checkDeliveryLimit(request.limit);
  // The first pending delivery of each flow and destination, in event order.
  const heads = new Map<string, Entry>();
  for (const entry of outbox.entries.values()) {
    const { delivery } = entry;
    if (delivery.state !== "pending") continue;
    const line = JSON.stringify([delivery.event.flowKey, delivery.destination]);
    const head = heads.get(line);
    if (head === undefined || byPlace(delivery.event, head.delivery.event) < 0)
      heads.set(line, entry);
  }
  const due = [...heads.values()]
    .filter(
      (entry) => entry.delivery.nextAttemptAt <= request.now && entry.leaseUntil <= request.now,
    )
    .sort((a, b) => a.delivery.nextAttemptAt - b.delivery.nextAttemptAt)
    .slice(0, request.limit);
  for (const entry of due) {
    entry.leaseUntil = request.now + request.leaseMs;
    entry.leaseToken = request.token;
  }
  return due.map((entry) => copy(entry.delivery));
}

/** {@link FlowStore.settleDelivery} on the memory outbox. */
export function settleDelivery(
  outbox: MemoryOutbox,
  key: string,
  token: string,
  outcome: DeliveryOutcome,
): boolean {
  const entry = outbox.entries.get(key);
  if (entry === undefined || entry.leaseToken !== token) return false;
  if (outcome.state === "delivered") return outbox.entries.delete(key);
  const { delivery } = entry;
  delivery.attempts += 1;
  delivery.lastError = outcome.error;
  if (outcome.state === "retry") delivery.nextAttemptAt = outcome.nextAttemptAt;
  else delivery.state = "dead";
  entry.leaseUntil = 0;
  entry.leaseToken = undefined;
  return true;
}

/** {@link FlowStore.listDeliveries} on the memory outbox. */
export function listDeliveries(outbox: MemoryOutbox, query: DeliveryQuery): DeliveryPage {
  checkDeliveryLimit(query.limit);
  const [createdAt, key] = deliveryCursor.parse(query.cursor);
  const rest = [...outbox.entries.values()]
    .map((entry) => entry.delivery)
    .filter(
      (delivery) =>
        delivery.state === query.state &&
        (delivery.createdAt > createdAt ||
          (delivery.createdAt === createdAt && delivery.key > key)),
    )
    .sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const deliveries = rest.slice(0, query.limit).map(copy);
  const last = deliveries.at(-1);
  return rest.length > query.limit && last
    ? { deliveries, cursor: deliveryCursor.after(last) }
    : { deliveries };
}

/** {@link FlowStore.retryDelivery} on the memory outbox. */
export function retryDelivery(outbox: MemoryOutbox, key: string, now: number): boolean {
  const entry = outbox.entries.get(key);
  if (entry?.delivery.state !== "dead") return false;
  entry.delivery.state = "pending";
  entry.delivery.attempts = 0;
  entry.delivery.nextAttemptAt = now;
  return true;
}

function byPlace(a: FlowEvent, b: FlowEvent): number {
  return a.version - b.version || a.index - b.index;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
