import Database from "better-sqlite3";
import { WaymarkError } from "../errors.ts";
import type { FlowRecord } from "../flow/types.ts";
import type { FlowStore } from "./types.ts";

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** A file path, or `":memory:"` for a throwaway database. */
  path: string;
  /**
   * `normal` (the default, with WAL) survives any process crash; `full` also survives
   * power loss at the cost of an fsync per commit.
   * @default "normal"
   */
  synchronous?: "normal" | "full";
  /**
   * How long a write waits for another process's lock before giving up (503).
   * @default 5000
   */
  busyTimeoutMs?: number;
}

const schemaVersion = 1;

/**
 * The embedded default store: one SQLite file in WAL mode, shareable by several
 * processes on one machine. The compare-and-set is one conditional `UPDATE`.
 *
 * @example const store = createSqliteStore({ path: "./waymark.db" });
 */
export function createSqliteStore(options: SqliteStoreOptions): FlowStore {
  const db = guard(() => openDatabase(options));
  const insert = db.prepare(
    "INSERT INTO waymark_flows (id, flow, version, expires_at, record) VALUES (?, ?, ?, ?, ?)",
  );
  const select = db.prepare<[string], { record: string }>(
    "SELECT record FROM waymark_flows WHERE id = ?",
  );
  const update = db.prepare(
    "UPDATE waymark_flows SET version = ?, expires_at = ?, record = ? WHERE id = ? AND version = ?",
  );
  const remove = db.prepare("DELETE FROM waymark_flows WHERE id = ?");
  const removeVersion = db.prepare("DELETE FROM waymark_flows WHERE id = ? AND version = ?");
  const purge = db.prepare("DELETE FROM waymark_flows WHERE expires_at <= ?");
  const ping = db.prepare("SELECT 1");

  return {
    async create(record) {
      guard(() =>
        insert.run(
          record.id,
          record.flow,
          record.version,
          record.expiresAt,
          JSON.stringify(record),
        ),
      );
    },
    async load(id) {
      const row = guard(() => select.get(id));
      return row ? (JSON.parse(row.record) as FlowRecord) : undefined;
    },
    async save(record, expectedVersion) {
      const result = guard(() =>
        update.run(
          record.version,
          record.expiresAt,
          JSON.stringify(record),
          record.id,
          expectedVersion,
        ),
      );
      return result.changes === 1;
    },
    async delete(id, expectedVersion) {
      const result = guard(() =>
        expectedVersion === undefined ? remove.run(id) : removeVersion.run(id, expectedVersion),
      );
      return result.changes === 1;
    },
    async purgeExpired(now) {
      return guard(() => purge.run(now.getTime())).changes;
    },
    async ping() {
      guard(() => ping.get());
    },
    async close() {
      db.close();
    },
  };
}

function openDatabase(options: SqliteStoreOptions): Database.Database {
  const db = new Database(options.path);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
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
        record TEXT NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS waymark_flows_expires_at ON waymark_flows (expires_at);
    `);
    db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
  return db;
}

/** Turns SQLite's lock and I/O failures into `store-unavailable`; rethrows the rest. */
function guard<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (isUnavailable(error)) {
      throw new WaymarkError("store-unavailable", "The SQLite database is busy or unreadable", {
        cause: error,
      });
    }
    throw error;
  }
}

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/.test(code)
  );
}
