import type Database from "better-sqlite3";
import type { FlowEvent } from "../flow/events.ts";
import {
  checkDeliveryLimit,
  type DeliveryRow,
  deliveryCursor,
  deliveryOf,
  type OutboxEntry,
  underTombstone,
} from "./effects.ts";
import type {
  Delivery,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryQuery,
} from "./types.ts";

/**
 * The event log and the outbox (schema version 6): a log row per event, keyed by its
 * flow and place, and an outbox row per delivery, keyed by delivery key. The partial
 * indexes serve the claim: due pending rows by time, and each flow and destination's
 * pending rows in event order, to find the first. Nothing indexes the operator's listing,
 * which sorts the rows of one state: an index there would cost every step write.
 */
export const outboxSchema = `
  CREATE TABLE IF NOT EXISTS waymark_events (
    flow_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (flow_key, version, idx)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS waymark_outbox (
    key TEXT PRIMARY KEY,
    flow_key TEXT NOT NULL,
    destination TEXT NOT NULL,
    version INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    lease_until INTEGER,
    lease_token TEXT,
    last_error TEXT
  ) STRICT;
  CREATE INDEX IF NOT EXISTS waymark_outbox_due
    ON waymark_outbox (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS waymark_outbox_line
    ON waymark_outbox (flow_key, destination, version, idx) WHERE state = 'pending';
`;

const columns = "key, destination, event, state, attempts, next_attempt_at, created_at, last_error";

/** The log and outbox statements of a SQLite store: synchronous, for its transactions. */
export interface SqliteOutbox {
  /** Appends events to their logs and deliveries to the outbox, keeping existing ones. */
  write(events: readonly FlowEvent[], deliveries: readonly OutboxEntry[]): void;
  /** Erases flow `id`'s log, or moves it under `tombstoneKey`. */
  erase(id: string, tombstoneKey?: string): void;
  readEvents(id: string): FlowEvent[];
  claim(request: DeliveryClaim): Delivery[];
  settle(key: string, token: string, outcome: DeliveryOutcome): boolean;
  list(query: DeliveryQuery): DeliveryPage;
  retry(key: string, now: number): boolean;
}

/**
 * Prepares the log and outbox statements on `db`, whose schema includes
 * {@link outboxSchema}. Each method is one statement, or runs inside the caller's
 * transaction.
 *
 * @example const outbox = sqliteOutbox(db); db.transaction(() => outbox.write(events, entries)).immediate();
 */
export function sqliteOutbox(db: Database.Database): SqliteOutbox {
  const insertEvent = db.prepare(
    "INSERT OR IGNORE INTO waymark_events (flow_key, version, idx, event) VALUES (?, ?, ?, ?)",
  );
  const insertDelivery = db.prepare(
    `INSERT OR IGNORE INTO waymark_outbox
       (key, flow_key, destination, version, idx, event, state, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
  );
  const selectLog = db.prepare<[string], { event: string }>(
    "SELECT event FROM waymark_events WHERE flow_key = ? ORDER BY version, idx",
  );
  const eraseLog = db.prepare("DELETE FROM waymark_events WHERE flow_key = ?");
  // One statement: the first pending delivery of each flow and destination, if due and
  // unleased, is leased.
  const claim = db.prepare<
    [{ leaseUntil: number; token: string; now: number; limit: number }],
    DeliveryRow
  >(
    `UPDATE waymark_outbox SET lease_until = @leaseUntil, lease_token = @token WHERE key IN (
       SELECT o.key FROM waymark_outbox AS o
       WHERE o.state = 'pending' AND o.next_attempt_at <= @now
         AND (o.lease_until IS NULL OR o.lease_until <= @now)
         AND NOT EXISTS (
           SELECT 1 FROM waymark_outbox AS p
           WHERE p.state = 'pending' AND p.flow_key = o.flow_key
             AND p.destination = o.destination AND (p.version, p.idx) < (o.version, o.idx))
       ORDER BY o.next_attempt_at LIMIT @limit)
     RETURNING ${columns}`,
  );
  const delivered = db.prepare("DELETE FROM waymark_outbox WHERE key = ? AND lease_token = ?");
  const retryLater = db.prepare(
    `UPDATE waymark_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
       lease_until = NULL, lease_token = NULL
     WHERE key = ? AND lease_token = ?`,
  );
  const dead = db.prepare(
    `UPDATE waymark_outbox SET state = 'dead', attempts = attempts + 1, last_error = ?,
       lease_until = NULL, lease_token = NULL
     WHERE key = ? AND lease_token = ?`,
  );
  const list = db.prepare<[string, number, string, number], DeliveryRow>(
    `SELECT ${columns} FROM waymark_outbox
     WHERE state = ? AND (created_at, key) > (?, ?) ORDER BY created_at, key LIMIT ?`,
  );
  const revive = db.prepare(
    `UPDATE waymark_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?
     WHERE key = ? AND state = 'dead'`,
  );
  const write = (events: readonly FlowEvent[], deliveries: readonly OutboxEntry[]) => {
    for (const event of events) {
      insertEvent.run(event.flowKey, event.version, event.index, JSON.stringify(event));
    }
    for (const { key, destination, event } of deliveries) {
      const { flowKey, version, index, at } = event;
      insertDelivery.run(key, flowKey, destination, version, index, JSON.stringify(event), at, at);
    }
  };
  const readEvents = (id: string) =>
    selectLog.all(id).map((row) => JSON.parse(row.event) as FlowEvent);

  return {
    write,
    erase(id, tombstoneKey) {
      if (tombstoneKey !== undefined) {
        write(
          readEvents(id).map((event) => underTombstone(event, tombstoneKey)),
          [],
        );
      }
      eraseLog.run(id);
    },
    readEvents,
    claim(request) {
      checkDeliveryLimit(request.limit);
      const { now, leaseMs, token, limit } = request;
      return claim.all({ leaseUntil: now + leaseMs, token, now, limit }).map(deliveryOf);
    },
    settle(key, token, outcome) {
      const result =
        outcome.state === "delivered"
          ? delivered.run(key, token)
          : outcome.state === "retry"
            ? retryLater.run(outcome.nextAttemptAt, outcome.error, key, token)
            : dead.run(outcome.error, key, token);
      return result.changes === 1;
    },
    list(query) {
      checkDeliveryLimit(query.limit);
      const [createdAt, key] = deliveryCursor.parse(query.cursor);
      // One row more than asked says whether another page follows.
      const rows = list.all(query.state, createdAt, key, query.limit + 1);
      const deliveries = rows.slice(0, query.limit).map(deliveryOf);
      const last = deliveries.at(-1);
      return rows.length > query.limit && last
        ? { deliveries, cursor: deliveryCursor.after(last) }
        : { deliveries };
    },
    retry(key, now) {
      return revive.run(now, key).changes === 1;
    },
  };
}
