import { setTimeout as sleep } from "node:timers/promises";
import type { FlowRecord } from "../flow/types.ts";
import { checkBatchLimit } from "./batch-limit.ts";
import { outboxEntries, tombstoneOf } from "./effects.ts";
import { keepingTime } from "./keeping-time.ts";
import { counterOf, limiterOptions, rateLimitTable } from "./rate-limit-counter.ts";
import { hourMs, openDatabase, orUnavailable, retryWhileBusy } from "./sqlite-open.ts";
import { sqliteOutbox } from "./sqlite-outbox.ts";
import { sqliteRejections } from "./sqlite-rejections.ts";
import type { FlowStore, IdempotencyClaim, IdempotencyClaimResult, WriteEffects } from "./types.ts";

interface KeyRow {
  fingerprint: string;
  flow_id: string;
  lease_until: number | null;
  response: string | null;
  expires_at: number;
}

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** A file path, or `":memory:"` for a throwaway database. */
  path: string;
  /**
   * `normal` (the default, with WAL) survives any process crash; `full` also survives
   * power loss at the cost of an fsync per commit.
   * @default "normal"
   */
  synchronous?: "normal" | "full" | undefined;
  /**
   * How long an operation waits for another process's lock before giving up (503). The
   * wait is asynchronous: other requests keep being served meanwhile.
   * @default 5000
   */
  busyTimeoutMs?: number | undefined;
}

/** Rows deleted per purge statement, so a backlog never holds the write lock for long. */
const purgeBatch = 500;

/**
 * The embedded default store: one SQLite file in WAL mode, shareable by several
 * processes on one machine. The compare-and-set is one conditional `UPDATE`; a write
 * with effects adds its events and deliveries in the same transaction.
 *
 * @example const store = createSqliteStore({ path: "./waymark.db" });
 */
export function createSqliteStore(options: SqliteStoreOptions): FlowStore {
  const db = orUnavailable(() => openDatabase(options));
  const waitMs = options.busyTimeoutMs ?? 5000;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO waymark_flows (id, flow, version, expires_at, keep_until, keep_hour, record)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const select = db.prepare<[string], { record: string }>(
    "SELECT record FROM waymark_flows WHERE id = ?",
  );
  // Within the hour it was in: the index is not touched.
  const update = db.prepare(
    `UPDATE waymark_flows SET version = ?, expires_at = ?, keep_until = ?, record = ?
     WHERE id = ? AND version = ? AND keep_hour = ?`,
  );
  const updateHour = db.prepare(
    `UPDATE waymark_flows SET version = ?, expires_at = ?, keep_until = ?, keep_hour = ?, record = ?
     WHERE id = ? AND version = ?`,
  );
  const remove = db.prepare("DELETE FROM waymark_flows WHERE id = ?");
  const removeVersion = db.prepare("DELETE FROM waymark_flows WHERE id = ? AND version = ?");
  const purge = db.prepare<[number, number, number], { id: string }>(
    `DELETE FROM waymark_flows WHERE id IN
       (SELECT id FROM waymark_flows WHERE keep_hour <= ? AND keep_until <= ? LIMIT ?)
     RETURNING id`,
  );
  // Keyset pagination on the primary key: each batch starts after the last id handed out.
  const selectAfter = db.prepare<[string, number], { id: string; record: string }>(
    "SELECT id, record FROM waymark_flows WHERE id > ? ORDER BY id LIMIT ?",
  );
  const selectKey = db.prepare<[string], KeyRow>(
    "SELECT fingerprint, flow_id, lease_until, response, expires_at FROM waymark_idempotency WHERE key = ?",
  );
  const insertKey = db.prepare(
    `INSERT OR REPLACE INTO waymark_idempotency
       (key, fingerprint, token, flow_id, lease_until, response, expires_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?)`,
  );
  const takeOverKey = db.prepare(
    "UPDATE waymark_idempotency SET token = ?, lease_until = ? WHERE key = ?",
  );
  const finishKey = db.prepare(
    "UPDATE waymark_idempotency SET response = ?, lease_until = NULL WHERE key = ? AND token = ? AND response IS NULL",
  );
  const releaseKey = db.prepare(
    "UPDATE waymark_idempotency SET lease_until = 0 WHERE key = ? AND token = ? AND response IS NULL",
  );
  const purgeKeys = db.prepare("DELETE FROM waymark_idempotency WHERE expires_at <= ?");
  const purgeCounts = db.prepare(`DELETE FROM ${rateLimitTable} WHERE expire <= ?`);
  // A lock is free when nobody holds it or its holder's time ran out.
  const claimLock = db.prepare(
    `INSERT INTO waymark_locks (id, token, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
     WHERE waymark_locks.expires_at <= ?`,
  );
  const releaseLock = db.prepare("DELETE FROM waymark_locks WHERE id = ? AND token = ?");
  const purgeLocks = db.prepare("DELETE FROM waymark_locks WHERE expires_at <= ?");
  const claim = db.transaction((key: string, c: IdempotencyClaim): IdempotencyClaimResult => {
    const row = selectKey.get(key);
    if (!row || row.expires_at <= c.now) {
      insertKey.run(key, c.fingerprint, c.token, c.flowId, c.leaseUntil, c.keepUntil);
      return { claimed: true, flowId: c.flowId };
    }
    const leased = (row.lease_until ?? 0) > c.now;
    if (row.fingerprint === c.fingerprint && row.response === null && !leased) {
      takeOverKey.run(c.token, c.leaseUntil, key);
      return { claimed: true, flowId: row.flow_id };
    }
    const { fingerprint } = row;
    return {
      claimed: false,
      entry:
        row.response === null
          ? { fingerprint, leaseUntil: row.lease_until ?? 0 }
          : { fingerprint, response: JSON.parse(row.response) },
    };
  });
  const outbox = sqliteOutbox(db);
  const rejections = sqliteRejections(db);
  // A write and its effects: the effects only if the record write (a statement returning
  // whether it changed the record) went through, in one transaction.
  const withEffects = db.transaction((write: () => boolean, effects: WriteEffects): boolean => {
    const deliveries = outboxEntries(effects);
    if (!write()) return false;
    outbox.write(effects.events, deliveries);
    return true;
  });
  const deleteWith = db.transaction(
    (id: string, expectedVersion: number | undefined, effects: WriteEffects | undefined) => {
      const deliveries = outboxEntries(effects);
      const { changes } =
        expectedVersion === undefined ? remove.run(id) : removeVersion.run(id, expectedVersion);
      if (changes !== 1) return false;
      // The delete's events join the log before it goes, so a tombstone keeps them too.
      outbox.write(effects?.events ?? [], deliveries);
      outbox.erase(id, tombstoneOf(effects));
      return true;
    },
  );
  const purgeWith = db.transaction((at: number) => {
    const ids = purge.all(Math.floor(at / hourMs), at, purgeBatch);
    for (const { id } of ids) outbox.erase(id);
    return ids.length;
  });
  // Reads the table, not just the connection, so a damaged file is not reported ready.
  const ping = db.prepare("SELECT 1 FROM waymark_flows LIMIT 1");
  const run = <T>(operation: () => T) => retryWhileBusy(operation, waitMs);

  return {
    capabilities: { expiresByItself: false },
    async create(record, effects) {
      const { id, flow, version, expiresAt } = record;
      const json = JSON.stringify(record);
      const keep = keepingTime(record);
      const hour = Math.floor(keep / hourMs);
      const write = () => insert.run(id, flow, version, expiresAt, keep, hour, json).changes === 1;
      return run(() => (effects ? withEffects.immediate(write, effects) : write()));
    },
    async load(id) {
      const row = await run(() => select.get(id));
      return row ? (JSON.parse(row.record) as FlowRecord) : undefined;
    },
    async save(record, expectedVersion, effects) {
      const { id, version, expiresAt } = record;
      const json = JSON.stringify(record);
      const keep = keepingTime(record);
      const hour = Math.floor(keep / hourMs);
      // Usually one statement. A write that moves the flow to another hour, or lost the
      // compare-and-set, changes nothing in the first; the second, itself a
      // compare-and-set, decides it.
      const write = () =>
        update.run(version, expiresAt, keep, json, id, expectedVersion, hour).changes === 1 ||
        updateHour.run(version, expiresAt, keep, hour, json, id, expectedVersion).changes === 1;
      return run(() => (effects ? withEffects.immediate(write, effects) : write()));
    },
    async delete(id, expectedVersion, effects) {
      return run(() => deleteWith.immediate(id, expectedVersion, effects));
    },
    async purgeExpired(now) {
      await run(() => purgeKeys.run(now.getTime()));
      await run(() => purgeCounts.run(now.getTime()));
      await run(() => rejections.purge(now.getTime()));
      // Locks lapse on the processes' clock, whatever `now` says.
      await run(() => purgeLocks.run(Date.now()));
      let purged = 0;
      for (;;) {
        const changes = await run(() => purgeWith.immediate(now.getTime()));
        purged += changes;
        if (changes < purgeBatch) return purged;
        await sleep(0);
      }
    },
    async scanRecords(cursor, limit) {
      checkBatchLimit(limit);
      // One row more than asked says whether another batch follows.
      const rows = await run(() => selectAfter.all(cursor ?? "", limit + 1));
      const records = rows.slice(0, limit).map((row) => JSON.parse(row.record) as FlowRecord);
      return rows.length > limit ? { records, cursor: rows[limit - 1]?.id } : { records };
    },
    async claimIdempotencyKey(key, request) {
      return run(() => claim.immediate(key, request));
    },
    async finishIdempotencyKey(key, token, response) {
      await run(() => finishKey.run(JSON.stringify(response), key, token));
    },
    async releaseIdempotencyKey(key, token) {
      await run(() => releaseKey.run(key, token));
    },
    rateLimitCounter(policy) {
      return counterOf(async () => {
        const { RateLimiterSQLite } = await import("rate-limiter-flexible");
        return new RateLimiterSQLite({
          ...limiterOptions(policy),
          storeClient: db,
          storeType: "better-sqlite3",
          tableName: rateLimitTable,
          // Created with the schema, and purged with expired flows.
          tableCreated: true,
        });
      });
    },
    async claimWriteLock(id, token, ttlMs) {
      // The processes sharing a file share a machine, hence a clock.
      const at = Date.now();
      return (await run(() => claimLock.run(id, token, at + ttlMs, at))).changes === 1;
    },
    async releaseWriteLock(id, token) {
      await run(() => releaseLock.run(id, token));
    },
    async readEvents(id) {
      return run(() => outbox.readEvents(id));
    },
    async claimDeliveries(request) {
      return run(() => outbox.claim(request));
    },
    async settleDelivery(key, token, outcome) {
      return run(() => outbox.settle(key, token, outcome));
    },
    async listDeliveries(query) {
      return run(() => outbox.list(query));
    },
    async retryDelivery(key, now) {
      return run(() => outbox.retry(key, now));
    },
    async countRejection(rejection) {
      await run(() => rejections.count(rejection));
    },
    async readRejections(query) {
      return run(() => rejections.read(query));
    },
    async ping() {
      await run(() => ping.get());
    },
    async close() {
      db.close();
    },
  };
}
