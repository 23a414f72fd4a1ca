import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { WaymarkError } from "../errors.ts";
import { rateLimitTable } from "./rate-limit-counter.ts";
import type { SqliteStoreOptions } from "./sqlite.ts";
import { outboxSchema } from "./sqlite-outbox.ts";
import { rejectionsSchema } from "./sqlite-rejections.ts";

/** The schema version this code writes; recorded in the file's `user_version`. */
const schemaVersion = 7;

/**
 * Flows to purge are found by the hour their keeping time falls in (`keep_hour`,
 * indexed), then by the exact `keep_until` (not indexed). A step write moves `keep_until`
 * every time but the hour about once an hour, so most writes leave the index alone:
 * measured with `npm run bench`, that halves what SQLite spends on a step write (about 85
 * to 45 µs).
 */
export const hourMs = 3_600_000;

/**
 * better-sqlite3 is synchronous, so SQLite's own busy wait would stall the event loop.
 * It waits this long at most; longer waits are asynchronous retries.
 */
const blockingBusyMs = 10;

/**
 * Opens the SQLite file of a store and brings its schema to the current version, under
 * the write lock, so several processes may open a new file at once.
 *
 * @throws Error when the file's schema is newer than this Waymark's.
 * @example const db = openDatabase({ path: "./waymark.db" });
 */
export function openDatabase(options: SqliteStoreOptions): Database.Database {
  const db = new Database(options.path);
  // At start-up a blocking wait is fine: nothing is being served yet.
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  // Erased and overwritten flows are zeroed in the file, not left in free pages.
  db.pragma("secure_delete = ON");
  // Checkpoints stay SQLite's own (inside the commit that passes 1000 WAL pages). Measured
  // with `npm run bench`, moving them to a worker thread, or turning them off, changed
  // neither p99 nor p99.9 of a step write here: the remaining tail is not the checkpoint.
  // Several processes may open a new file at once: create the schema under a write lock.
  db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > schemaVersion) {
      throw new Error(
        `database schema version ${current} is newer than this Waymark (${schemaVersion})`,
      );
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS waymark_flows (
        id TEXT PRIMARY KEY,
        flow TEXT NOT NULL,
        version INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        keep_until INTEGER NOT NULL,
        keep_hour INTEGER NOT NULL,
        record TEXT NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS waymark_idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        token TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        lease_until INTEGER,
        response TEXT,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS waymark_idempotency_expires_at
        ON waymark_idempotency (expires_at);
      -- Version 4: rate limit counts, in rate-limiter-flexible's layout (expire in ms).
      CREATE TABLE IF NOT EXISTS ${rateLimitTable} (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire INTEGER
      );
      -- Write locks order a flow's contended writers (version 4 too).
      CREATE TABLE IF NOT EXISTS waymark_locks (
        id TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
    // Version 5 purges by the keeping time. Older files purged by the expiry (version 2
    // and older indexed expires_at itself, 3 and 4 its hour): their flows keep until then.
    const columns = (db.pragma("table_info(waymark_flows)") as { name: string }[]).map(
      (column) => column.name,
    );
    if (!columns.includes("keep_until")) {
      db.exec(`
        ALTER TABLE waymark_flows ADD COLUMN keep_until INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE waymark_flows ADD COLUMN keep_hour INTEGER NOT NULL DEFAULT 0;
        UPDATE waymark_flows SET keep_until = expires_at, keep_hour = expires_at / ${hourMs};
      `);
    }
    db.exec(`
      DROP INDEX IF EXISTS waymark_flows_expires_at;
      DROP INDEX IF EXISTS waymark_flows_expires_hour;
      CREATE INDEX IF NOT EXISTS waymark_flows_keep_hour ON waymark_flows (keep_hour);
    `);
    if (columns.includes("expires_hour")) {
      db.exec("ALTER TABLE waymark_flows DROP COLUMN expires_hour");
    }
    // Version 6: each flow's event log, and the outbox of deliveries.
    db.exec(outboxSchema);
    // Version 7: rejected-field counts, for the funnel.
    db.exec(rejectionsSchema);
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
  db.pragma(`busy_timeout = ${blockingBusyMs}`);
  return db;
}

/**
 * Runs a statement, retrying asynchronously while another process holds the lock, up to
 * `waitMs`; then, or on an I/O failure, throws `store-unavailable`. A busy statement
 * wrote nothing, so retrying it is safe.
 *
 * @example const row = await retryWhileBusy(() => select.get(id), 5000);
 */
export async function retryWhileBusy<T>(operation: () => T, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return operation();
    } catch (error) {
      if (!isBusy(error) || Date.now() + pause > deadline) return unavailable(error);
    }
    await sleep(pause);
  }
}

/**
 * Runs `operation` once, turning SQLite's lock and I/O failures into `store-unavailable`.
 *
 * @example const db = orUnavailable(() => openDatabase(options));
 */
export function orUnavailable<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    return unavailable(error);
  }
}

/** Turns SQLite's lock and I/O failures into `store-unavailable`; rethrows the rest. */
function unavailable(error: unknown): never {
  if (sqliteCode(error).match(/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/)) {
    throw new WaymarkError("store-unavailable", "The SQLite database is busy or unreadable", {
      cause: error,
    });
  }
  throw error;
}

function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error));
}

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}
