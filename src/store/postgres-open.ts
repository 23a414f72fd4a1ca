import type { PostgresPool } from "./postgres.ts";
import { outboxMigration, type Query } from "./postgres-outbox.ts";
import { rejectionsMigration } from "./postgres-rejections.ts";
import { rateLimitTable } from "./rate-limit-counter.ts";

/** The schema version this code writes; recorded in `waymark_schema`. */
const schemaVersion = 6;
/** Serialises schema creation across instances starting at once. */
const migrationLock = 0x7761796d; // "waym"

const migrations: Readonly<Record<number, string>> = {
  1: `
    CREATE TABLE IF NOT EXISTS waymark_flows (
      id text PRIMARY KEY,
      flow text NOT NULL,
      version integer NOT NULL,
      expires_at bigint NOT NULL,
      record jsonb NOT NULL
    );
    CREATE INDEX IF NOT EXISTS waymark_flows_expires_at ON waymark_flows (expires_at);
    CREATE TABLE IF NOT EXISTS waymark_idempotency (
      key text PRIMARY KEY,
      fingerprint text NOT NULL,
      token text NOT NULL,
      flow_id text NOT NULL,
      lease_until bigint,
      response jsonb,
      expires_at bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS waymark_idempotency_expires_at
      ON waymark_idempotency (expires_at);
  `,
  // Write locks order a flow's contended writers. Unlogged: a lock needs no WAL, and
  // one lost to a crash or a failover only lets writers race their compare-and-sets.
  2: `
    CREATE UNLOGGED TABLE IF NOT EXISTS waymark_locks (
      id text PRIMARY KEY,
      token text NOT NULL,
      expires_at bigint NOT NULL
    );
  `,
  // Rate limit counts, in rate-limiter-flexible's layout (expire in ms), keys of any length.
  3: `
    CREATE TABLE IF NOT EXISTS ${rateLimitTable} (
      key text PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    );
  `,
  // Flows are purged by their keeping time. Generated from the record, so that instances
  // of the previous release, still serving during a rolling deploy, keep it right too.
  4: `
    ALTER TABLE waymark_flows ADD COLUMN IF NOT EXISTS keep_until bigint NOT NULL
      GENERATED ALWAYS AS (COALESCE((record->>'keepUntil')::bigint, expires_at)) STORED;
    DROP INDEX IF EXISTS waymark_flows_expires_at;
    CREATE INDEX IF NOT EXISTS waymark_flows_keep_until ON waymark_flows (keep_until);
  `,
  // Each flow's event log and the outbox of deliveries, written with the record.
  5: outboxMigration,
  // Refused-field counts by the hour, for the funnel.
  6: rejectionsMigration,
};

/**
 * A `pg` Pool on `url`, loading `pg` only now, with connection and query timeouts.
 *
 * @example const pool = await openPool("postgres://waymark@localhost/waymark", 5000);
 */
export async function openPool(url: string | undefined, timeoutMs: number): Promise<PostgresPool> {
  if (!url) throw new Error("createPostgresStore needs a url or a pool");
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    max: 10,
  });
  // An idle connection dropped by the server emits here; unheard, it would end the process.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * Brings the schema to {@link schemaVersion} in one transaction under an advisory lock:
 * instances starting together wait for each other instead of racing.
 *
 * @throws Error when the database's schema is newer than this Waymark's.
 * @example await migrate(query);
 */
export async function migrate(query: Query): Promise<void> {
  // Nothing to do on every later start: no lock, no DDL, so a role without CREATE works.
  const current = await query<{ version: number }>("SELECT version FROM waymark_schema").then(
    ({ rows }) => rows[0]?.version ?? 0,
    (error: { code?: string }) => {
      if (error.code === "42P01") return 0; // no schema table yet
      throw error;
    },
  );
  if (current === schemaVersion) return;
  const steps = Object.entries(migrations)
    .map(([version, sql]) => `IF current < ${version} THEN ${sql} END IF;`)
    .join("\n");
  // One statement is one transaction: the lock is held until every step is in.
  await query(`
    DO $migrate$
    DECLARE current integer;
    BEGIN
      PERFORM pg_advisory_xact_lock(${migrationLock});
      CREATE TABLE IF NOT EXISTS waymark_schema (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        version integer NOT NULL
      );
      SELECT version INTO current FROM waymark_schema;
      current := coalesce(current, 0);
      IF current > ${schemaVersion} THEN
        RAISE EXCEPTION 'database schema version % is newer than this Waymark (${schemaVersion})', current;
      END IF;
      ${steps}
      INSERT INTO waymark_schema (version) VALUES (${schemaVersion})
        ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version;
    END
    $migrate$
  `);
}

/**
 * Connection-level failures: the server is down, restarting, or out of reach.
 *
 * @example if (isUnavailable(error)) throw new WaymarkError("store-unavailable", "…", { cause: error });
 */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    // Connection failures, shutdowns, too many connections, a read-only server (a standby
    // after failover), a statement cancelled by its timeout.
    if (/^(08|57P0|53300|25006|57014)/.test(code)) return true;
    if (
      /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH)$/.test(code)
    ) {
      return true;
    }
  }
  return (
    typeof message === "string" &&
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/.test(
      message,
    )
  );
}
