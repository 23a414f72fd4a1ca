import type { FlowEvent } from "../flow/events.ts";
import {
  checkDeliveryLimit,
  type DeliveryRow,
  deliveryCursor,
  deliveryOf,
  outboxEntries,
  tombstoneOf,
} from "./effects.ts";
import type {
  Delivery,
  DeliveryClaim,
  DeliveryOutcome,
  DeliveryPage,
  DeliveryQuery,
  WriteEffects,
} from "./types.ts";

/** How the PostgreSQL store runs a statement: one round trip, one transaction. */
export type Query = <Row = Record<string, unknown>>(
  text: string,
  values?: unknown[],
) => Promise<{ rows: Row[]; rowCount: number | null }>;

/**
 * Schema version 5: each flow's event log, keyed by its flow and place, and the outbox of
 * deliveries, keyed by delivery key (in byte order, so pages follow the same order on
 * every database). New tables only: the previous release, still writing records during a
 * rolling deploy, never sees them.
 */
export const outboxMigration = `
  CREATE TABLE IF NOT EXISTS waymark_events (
    flow_key text NOT NULL,
    version integer NOT NULL,
    idx integer NOT NULL,
    event jsonb NOT NULL,
    PRIMARY KEY (flow_key, version, idx)
  );
  CREATE TABLE IF NOT EXISTS waymark_outbox (
    key text COLLATE "C" PRIMARY KEY,
    flow_key text NOT NULL,
    destination text NOT NULL,
    version integer NOT NULL,
    idx integer NOT NULL,
    event jsonb NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint NOT NULL,
    created_at bigint NOT NULL,
    lease_until bigint,
    lease_token text,
    last_error text
  );
  CREATE INDEX IF NOT EXISTS waymark_outbox_due
    ON waymark_outbox (next_attempt_at) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS waymark_outbox_line
    ON waymark_outbox (flow_key, destination, version, idx) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS waymark_outbox_listed ON waymark_outbox (state, created_at, key);
`;

const columns =
  "o.key, o.destination, o.event, o.state, o.attempts, o.next_attempt_at, o.created_at, o.last_error";

/**
 * One statement that runs `write` (a record write ending in `RETURNING id`, its values
 * `$1`…) and tells the listeners of `channel` the id it wrote (`pg_notify`, sent when the
 * statement commits). Without effects that is all; with them, only if it wrote a row,
 * it appends the effects' events to the log and their deliveries to the outbox: a
 * statement is one transaction, so all of it or none is written. With `erase`, the write
 * is a delete of flow `$1`: its log, the delete's events last, is erased or moved under
 * the effects' tombstone key. The statement answers one row, `written`: how many records
 * the write changed.
 *
 * @example
 * const { text, values } = writeWithEffects(
 *   "UPDATE waymark_flows SET … WHERE id = $1 AND version = $2 RETURNING id", [id, 1],
 *   "waymark:public", effects);
 */
export function writeWithEffects(
  write: string,
  values: readonly unknown[],
  channel: string,
  effects: WriteEffects | undefined,
  erase = false,
): { text: string; values: unknown[] } {
  const notified = `count(pg_notify($${values.length + 1}, id))::integer AS written`;
  if (!effects && !erase) {
    return {
      text: `WITH written AS (${write}) SELECT ${notified} FROM written`,
      values: [...values, channel],
    };
  }
  const deliveries = outboxEntries(effects);
  const events = `$${values.length + 2}::jsonb`;
  const outbox = `$${values.length + 3}::jsonb`;
  const tombstone = `$${values.length + 4}::text`;
  // The delete's events join the log before it goes, so a tombstone keeps them too.
  const log = erase
    ? `erased AS (
         DELETE FROM waymark_events WHERE flow_key = $1 AND EXISTS (SELECT 1 FROM written)
         RETURNING version, idx, event),
       kept AS (
         INSERT INTO waymark_events (flow_key, version, idx, event)
         SELECT ${tombstone}, log.version, log.idx, log.event || jsonb_build_object(
           'flowKey', ${tombstone}, 'id', ${tombstone} || ':' || log.version || ':' || log.idx)
         FROM (SELECT version, idx, event FROM erased
               UNION ALL
               SELECT (e->>'version')::integer, (e->>'index')::integer, e
               FROM written, jsonb_array_elements(${events}) AS e) AS log
         WHERE ${tombstone} IS NOT NULL
         ON CONFLICT DO NOTHING)`
    : `logged AS (
         INSERT INTO waymark_events (flow_key, version, idx, event)
         SELECT e->>'flowKey', (e->>'version')::integer, (e->>'index')::integer, e
         FROM written, jsonb_array_elements(${events}) AS e
         ON CONFLICT DO NOTHING)`;
  const text = `
    WITH written AS (${write}),
    ${log},
    queued AS (
      INSERT INTO waymark_outbox
        (key, flow_key, destination, version, idx, event, state, attempts, next_attempt_at, created_at)
      SELECT d->>'key', d->'event'->>'flowKey', d->>'destination',
        (d->'event'->>'version')::integer, (d->'event'->>'index')::integer, d->'event',
        'pending', 0, (d->'event'->>'at')::bigint, (d->'event'->>'at')::bigint
      FROM written, jsonb_array_elements(${outbox}) AS d
      ON CONFLICT DO NOTHING)
    SELECT ${notified} FROM written`;
  return {
    text,
    values: [
      ...values,
      channel,
      // pg sends arrays as PostgreSQL arrays: JSON goes as text.
      JSON.stringify(effects?.events ?? []),
      JSON.stringify(deliveries),
      ...(erase ? [tombstoneOf(effects) ?? null] : []),
    ],
  };
}

/** The log and outbox methods of the PostgreSQL store, over its `query`. */
export interface PostgresOutbox {
  /**
   * Purges up to `limit` records past their keeping time, and their logs, in one
   * statement; resolves how many records went.
   */
  purge(now: number, limit: number): Promise<number>;
  readEvents(id: string): Promise<FlowEvent[]>;
  claim(request: DeliveryClaim): Promise<Delivery[]>;
  settle(key: string, token: string, outcome: DeliveryOutcome): Promise<boolean>;
  list(query: DeliveryQuery): Promise<DeliveryPage>;
  retry(key: string, now: number): Promise<boolean>;
}

/**
 * The event log and outbox of a PostgreSQL store whose schema includes
 * {@link outboxMigration}. A claim is one statement that locks the rows it leases with
 * `FOR UPDATE SKIP LOCKED`, so instances claiming at once never lease the same delivery.
 *
 * @example const due = await postgresOutbox(query).claim({ now: Date.now(), leaseMs: 30_000, limit: 50, token });
 */
export function postgresOutbox(query: Query): PostgresOutbox {
  return {
    async purge(now, limit) {
      const { rows } = await query<{ purged: number }>(
        `WITH purged AS (
           DELETE FROM waymark_flows WHERE id IN (
             SELECT id FROM waymark_flows WHERE keep_until <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING id),
         erased AS (DELETE FROM waymark_events WHERE flow_key IN (SELECT id FROM purged))
         SELECT count(*)::integer AS purged FROM purged`,
        [now, limit],
      );
      return rows[0]?.purged ?? 0;
    },
    async readEvents(id) {
      const { rows } = await query<{ event: FlowEvent }>(
        "SELECT event FROM waymark_events WHERE flow_key = $1 ORDER BY version, idx",
        [id],
      );
      return rows.map((row) => row.event);
    },
    async claim({ now, leaseMs, limit, token }) {
      checkDeliveryLimit(limit);
      // The first pending delivery of each flow and destination, if due and unleased.
      // A row another claim has locked is skipped, and one it has leased meanwhile fails
      // the re-check of its lease.
      const { rows } = await query<DeliveryRow>(
        `WITH due AS (
           SELECT o.key FROM waymark_outbox AS o
           WHERE o.state = 'pending' AND o.next_attempt_at <= $1
             AND (o.lease_until IS NULL OR o.lease_until <= $1)
             AND NOT EXISTS (
               SELECT 1 FROM waymark_outbox AS p
               WHERE p.state = 'pending' AND p.flow_key = o.flow_key
                 AND p.destination = o.destination AND (p.version, p.idx) < (o.version, o.idx))
           ORDER BY o.next_attempt_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE waymark_outbox AS o SET lease_until = $3, lease_token = $4
         FROM due WHERE o.key = due.key
         RETURNING ${columns}`,
        [now, limit, now + leaseMs, token],
      );
      return rows.map(deliveryOf);
    },
    async settle(key, token, outcome) {
      const { rowCount } =
        outcome.state === "delivered"
          ? await query("DELETE FROM waymark_outbox WHERE key = $1 AND lease_token = $2", [
              key,
              token,
            ])
          : await query(
              `UPDATE waymark_outbox SET attempts = attempts + 1, last_error = $3,
                 state = $4, next_attempt_at = coalesce($5, next_attempt_at),
                 lease_until = NULL, lease_token = NULL
               WHERE key = $1 AND lease_token = $2`,
              [
                key,
                token,
                outcome.error,
                outcome.state === "dead" ? "dead" : "pending",
                outcome.state === "retry" ? outcome.nextAttemptAt : null,
              ],
            );
      return rowCount === 1;
    },
    async list({ state, limit, cursor }) {
      checkDeliveryLimit(limit);
      const [createdAt, key] = deliveryCursor.parse(cursor);
      // One row more than asked says whether another page follows.
      const { rows } = await query<DeliveryRow>(
        `SELECT ${columns} FROM waymark_outbox AS o
         WHERE o.state = $1 AND (o.created_at, o.key) > ($2, $3)
         ORDER BY o.created_at, o.key LIMIT $4`,
        [state, createdAt, key, limit + 1],
      );
      const deliveries = rows.slice(0, limit).map(deliveryOf);
      const last = deliveries.at(-1);
      return rows.length > limit && last
        ? { deliveries, cursor: deliveryCursor.after(last) }
        : { deliveries };
    },
    async retry(key, now) {
      const { rowCount } = await query(
        `UPDATE waymark_outbox SET state = 'pending', attempts = 0, next_attempt_at = $2
         WHERE key = $1 AND state = 'dead'`,
        [key, now],
      );
      return rowCount === 1;
    },
  };
}
