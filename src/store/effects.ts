import type { FlowEvent } from "../flow/events.ts";
import { type Delivery, deliveryKey, type WriteEffects } from "./types.ts";

/** A delivery to put in the outbox: its key, destination and event. */
export interface OutboxEntry {
  key: string;
  destination: string;
  event: FlowEvent;
}

/**
 * The outbox entries of a write's effects, one per delivery key (the first one given
 * wins). Throws a `TypeError` for a delivery naming an event that is not among the
 * effects' events, before anything is written.
 *
 * @example outboxEntries({ events: [started], deliveries: [{ eventId: started.id, destination: "handler:onComplete" }] })
 * // [{ key: "handler:onComplete 3f0c:1:0", destination: "handler:onComplete", event: started }]
 */
export function outboxEntries(effects: WriteEffects | undefined): OutboxEntry[] {
  if (effects === undefined) return [];
  const events = new Map(effects.events.map((event) => [event.id, event]));
  const entries = new Map<string, OutboxEntry>();
  for (const { eventId, destination } of effects.deliveries) {
    const event = events.get(eventId);
    if (event === undefined) {
      throw new TypeError(`A delivery names the event ${eventId}, which the write does not have`);
    }
    const key = deliveryKey(destination, eventId);
    if (!entries.has(key)) entries.set(key, { key, destination, event });
  }
  return [...entries.values()];
}

/**
 * The tombstone key a delete's effects ask to keep the log under, or undefined to erase it.
 *
 * @example tombstoneOf({ events: [], deliveries: [], afterErase: { tombstoneKey: "t1" } }) // "t1"
 */
export function tombstoneOf(effects: WriteEffects | undefined): string | undefined {
  const afterErase = effects?.afterErase;
  return afterErase === undefined || afterErase === "erase" ? undefined : afterErase.tombstoneKey;
}

/**
 * An event moved to a tombstone: its `flowKey` and `id` name `tombstoneKey` instead.
 *
 * @example underTombstone(event, "t1").id // "t1:2:0"
 */
export function underTombstone(event: FlowEvent, tombstoneKey: string): FlowEvent {
  return { ...event, flowKey: tombstoneKey, id: `${tombstoneKey}:${event.version}:${event.index}` };
}

/**
 * A delivery row as the SQL stores keep it, turned back into a {@link Delivery}; numbers
 * may come back as strings (`bigint` in PostgreSQL).
 */
export interface DeliveryRow {
  key: string;
  destination: string;
  event: FlowEvent | string;
  state: string;
  attempts: number | string;
  next_attempt_at: number | string;
  created_at: number | string;
  last_error: string | null;
}

/**
 * The {@link Delivery} a row holds.
 *
 * @example deliveryOf({ key, destination, event: "{…}", state: "pending", attempts: 0, next_attempt_at: 1, created_at: 1, last_error: null })
 */
export function deliveryOf(row: DeliveryRow): Delivery {
  return {
    key: row.key,
    destination: row.destination,
    event: typeof row.event === "string" ? (JSON.parse(row.event) as FlowEvent) : row.event,
    state: row.state === "dead" ? "dead" : "pending",
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  };
}

/**
 * The cursor of a page of deliveries that ends with `last`, and back: `createdAt` and
 * `key` of the last delivery handed out, as JSON.
 */
export const deliveryCursor = {
  after(last: Delivery): string {
    return JSON.stringify([last.createdAt, last.key]);
  },
  parse(cursor: string | undefined): [number, string] {
    if (cursor === undefined) return [Number.MIN_SAFE_INTEGER, ""];
    const parsed: unknown = JSON.parse(cursor);
    if (!Array.isArray(parsed) || typeof parsed[0] !== "number" || typeof parsed[1] !== "string") {
      throw new RangeError("Not a cursor of listDeliveries");
    }
    return [parsed[0], parsed[1]];
  },
};

/**
 * Refuses a `claimDeliveries` or `listDeliveries` limit that is not a positive integer.
 *
 * @example checkDeliveryLimit(50);
 */
export function checkDeliveryLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Deliveries come a positive whole number at a time, not ${limit}`);
  }
}
