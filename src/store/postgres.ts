import { WaymarkError } from "../errors.ts";
import type { FlowRecord } from "../flow/types.ts";
import { checkBatchLimit } from "./batch-limit.ts";
import { isUnavailable, migrate, openPool } from "./postgres-open.ts";
import { postgresOutbox, type Query, writeWithEffects } from "./postgres-outbox.ts";
import { postgresRejections } from "./postgres-rejections.ts";
import { channelOf, type PostgresPoolClient, postgresWatches } from "./postgres-watch.ts";
import { counterOf, limiterOptions, rateLimitTable } from "./rate-limit-counter.ts";
import type { FlowStore, IdempotencyEntry, StoredResponse, WriteEffects } from "./types.ts";

export type { PostgresNotification, PostgresPoolClient } from "./postgres-watch.ts";

/** The subset of a `pg` Pool this store uses, so a user's own Pool fits. */
export interface PostgresPool {
  query<Row = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: Row[]; rowCount: number | null }>;
  end(): Promise<void>;
  /**
   * A connection of the pool's own, held while flows are watched (`watchFlow`): a `pg`
   * Pool has it. Without it the store cannot watch flows.
   */
  connect?(): Promise<PostgresPoolClient>;
}

/** Options of {@link createPostgresStore}: a URL, or your own `pg` Pool. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`. */
  url?: string | undefined;
  /**
   * A `pg` Pool of your own; the store never ends it. Give it `connectionTimeoutMillis`,
   * `query_timeout` and an `error` listener: `timeoutMs` applies only to a pool the store
   * opens itself.
   */
  pool?: PostgresPool | undefined;
  /**
   * How long a connection attempt or a query may take before it is a 503.
   * @default 5000
   */
  timeoutMs?: number | undefined;
}

/** Rows deleted per purge statement, so a backlog never holds locks for long. */
const purgeBatch = 500;
/** The server's clock in epoch milliseconds: one clock for every instance's locks. */
const serverNow = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/**
 * Flows in PostgreSQL: a `jsonb` record per flow, the compare-and-set one conditional
 * `UPDATE … RETURNING`, with the write's events and deliveries in the same statement;
 * write locks are rows of an unlogged table, timed by the server's clock. The schema is
 * created or migrated at start-up under an advisory lock, so several instances may start
 * at once. Every write also sends `pg_notify` on the schema's channel in its own statement;
 * `watchFlow` listens on one connection taken from the pool while anything is watched
 * (a pool without `connect` cannot watch).
 *
 * @example
 * const store = await createPostgresStore({ url: "postgres://waymark@localhost/waymark" });
 * const shared = await createPostgresStore({ pool: myPool });
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<FlowStore> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const pool = options.pool ?? (await openPool(options.url, timeoutMs));
  const unavailable = (error: unknown) =>
    isUnavailable(error)
      ? new WaymarkError("store-unavailable", "The PostgreSQL store is unavailable", {
          cause: error,
        })
      : error;
  const query = async <Row = Record<string, unknown>>(text: string, values: unknown[] = []) => {
    try {
      return await pool.query<Row>(text, values);
    } catch (error) {
      throw unavailable(error);
    }
  };
  let channel: string;
  try {
    await migrate(query);
    channel = await channelOfTables(query);
  } catch (error) {
    if (!options.pool) await pool.end().catch(() => undefined);
    throw error;
  }
  const connect = pool.connect?.bind(pool);
  const watches = connect && postgresWatches(connect, channel, unavailable);
  const outbox = postgresOutbox(query);
  const rejections = postgresRejections(query);
  // A record write, its notification and its effects: one statement, one round trip, one
  // transaction.
  const written = async (
    write: string,
    values: unknown[],
    effects: WriteEffects | undefined,
    erase = false,
  ) => {
    const statement = writeWithEffects(write, values, channel, effects, erase);
    const { rows } = await query<{ written: number }>(statement.text, statement.values);
    return rows[0]?.written === 1;
  };

  return {
    capabilities: { expiresByItself: false },
    async create(record, effects) {
      const write = `INSERT INTO waymark_flows (id, flow, version, expires_at, record)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`;
      const values = [record.id, record.flow, record.version, record.expiresAt, record];
      return written(write, values, effects);
    },
    async load(id) {
      const { rows } = await query<{ record: FlowRecord }>(
        "SELECT record FROM waymark_flows WHERE id = $1",
        [id],
      );
      return rows[0]?.record;
    },
    async save(record, expectedVersion, effects) {
      const write = `UPDATE waymark_flows SET version = $2, expires_at = $3, record = $4
        WHERE id = $1 AND version = $5 RETURNING id`;
      const values = [record.id, record.version, record.expiresAt, record, expectedVersion];
      return written(write, values, effects);
    },
    async delete(id, expectedVersion, effects) {
      // Always with the log: a delete erases it, effects or not.
      return expectedVersion === undefined
        ? written("DELETE FROM waymark_flows WHERE id = $1 RETURNING id", [id], effects, true)
        : written(
            "DELETE FROM waymark_flows WHERE id = $1 AND version = $2 RETURNING id",
            [id, expectedVersion],
            effects,
            true,
          );
    },
    async purgeExpired(now) {
      await query("DELETE FROM waymark_idempotency WHERE expires_at <= $1", [now.getTime()]);
      await query(`DELETE FROM ${rateLimitTable} WHERE expire <= $1`, [now.getTime()]);
      await query(`DELETE FROM waymark_locks WHERE expires_at <= ${serverNow}`);
      await rejections.purge(now.getTime());
      let purged = 0;
      for (;;) {
        const count = await outbox.purge(now.getTime(), purgeBatch);
        purged += count;
        if (count < purgeBatch) return purged;
      }
    },
    async scanRecords(cursor, limit) {
      checkBatchLimit(limit);
      // Keyset pagination on the primary key; one row more than asked says whether
      // another batch follows.
      const { rows } = await query<{ id: string; record: FlowRecord }>(
        "SELECT id, record FROM waymark_flows WHERE id > $1 ORDER BY id LIMIT $2",
        [cursor ?? "", limit + 1],
      );
      const records = rows.slice(0, limit).map((row) => row.record);
      return rows.length > limit ? { records, cursor: rows[limit - 1]?.id } : { records };
    },
    async claimIdempotencyKey(key, claim) {
      // An entry in the way may vanish between the refused upsert and the read (purged):
      // then claim again. Two rounds always settle it.
      for (let round = 0; round < 3; round++) {
        const claimed = await query<{ flow_id: string }>(
          `INSERT INTO waymark_idempotency AS i
             (key, fingerprint, token, flow_id, lease_until, response, expires_at)
           VALUES ($1, $2, $3, $4, $5, NULL, $6)
           ON CONFLICT (key) DO UPDATE SET
             token = EXCLUDED.token,
             lease_until = EXCLUDED.lease_until,
             fingerprint = EXCLUDED.fingerprint,
             flow_id = CASE WHEN i.expires_at <= $7 THEN EXCLUDED.flow_id ELSE i.flow_id END,
             response = CASE WHEN i.expires_at <= $7 THEN NULL ELSE i.response END,
             expires_at = CASE WHEN i.expires_at <= $7 THEN EXCLUDED.expires_at ELSE i.expires_at END
           WHERE i.expires_at <= $7
              OR (i.response IS NULL AND i.lease_until <= $7 AND i.fingerprint = EXCLUDED.fingerprint)
           RETURNING flow_id`,
          [
            key,
            claim.fingerprint,
            claim.token,
            claim.flowId,
            claim.leaseUntil,
            claim.keepUntil,
            claim.now,
          ],
        );
        const flowId = claimed.rows[0]?.flow_id;
        if (flowId !== undefined) return { claimed: true, flowId };
        const { rows } = await query<{
          fingerprint: string;
          response: StoredResponse | null;
          lease_until: string | null;
        }>("SELECT fingerprint, response, lease_until FROM waymark_idempotency WHERE key = $1", [
          key,
        ]);
        const row = rows[0];
        if (row) {
          const { fingerprint, response } = row;
          const entry: IdempotencyEntry = response
            ? { fingerprint, response }
            : { fingerprint, leaseUntil: Number(row.lease_until ?? 0) };
          return { claimed: false, entry };
        }
      }
      throw new WaymarkError("store-unavailable", "The idempotency key kept changing");
    },
    async finishIdempotencyKey(key, token, response) {
      await query(
        `UPDATE waymark_idempotency SET response = $3, lease_until = NULL
         WHERE key = $1 AND token = $2 AND response IS NULL`,
        [key, token, response],
      );
    },
    async releaseIdempotencyKey(key, token) {
      await query(
        `UPDATE waymark_idempotency SET lease_until = 0
         WHERE key = $1 AND token = $2 AND response IS NULL`,
        [key, token],
      );
    },
    rateLimitCounter(policy) {
      // Through the same pool and its query timeout; an outage reads as one.
      return counterOf(
        async () => {
          const { RateLimiterPostgres } = await import("rate-limiter-flexible");
          return new RateLimiterPostgres({
            ...limiterOptions(policy),
            storeClient: pool,
            tableName: rateLimitTable,
            // Created with the schema, and purged with expired flows.
            tableCreated: true,
          });
        },
        (call) => call().catch((error: unknown) => Promise.reject(unavailable(error))),
      );
    },
    async claimWriteLock(id, token, ttlMs) {
      const { rowCount } = await query(
        `INSERT INTO waymark_locks AS l (id, token, expires_at)
         VALUES ($1, $2, ${serverNow} + $3)
         ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
         WHERE l.expires_at <= ${serverNow}`,
        [id, token, ttlMs],
      );
      return rowCount === 1;
    },
    async releaseWriteLock(id, token) {
      await query("DELETE FROM waymark_locks WHERE id = $1 AND token = $2", [id, token]);
    },
    readEvents: (id) => outbox.readEvents(id),
    claimDeliveries: (request) => outbox.claim(request),
    settleDelivery: (key, token, outcome) => outbox.settle(key, token, outcome),
    listDeliveries: (request) => outbox.list(request),
    retryDelivery: (key, now) => outbox.retry(key, now),
    ...(watches && { watchFlow: watches.watch }),
    countRejection: (rejection) => rejections.count(rejection),
    readRejections: (query) => rejections.read(query),
    async ping() {
      await query("SELECT 1 FROM waymark_flows LIMIT 1");
    },
    async close() {
      await watches?.close();
      if (!options.pool) await pool.end();
    },
  };
}

/** The notification channel of the `waymark_flows` this store's connections see. */
async function channelOfTables(query: Query): Promise<string> {
  const { rows } = await query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE c.oid = 'waymark_flows'::regclass`,
  );
  return channelOf(rows[0]?.schema ?? "public");
}
