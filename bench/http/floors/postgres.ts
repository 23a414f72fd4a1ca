/**
 * The PostgreSQL floor: Waymark's table, pool settings and statements
 * (src/store/postgres.ts), no more. Usage: postgres.ts <url> <port>
 */
import pg from "pg";
import { type Records, serveFloor } from "./http.ts";
import type { Row } from "./onboarding.ts";

const [url = "", port = "0"] = process.argv.slice(2);

const pool = new pg.Pool({
  connectionString: url,
  connectionTimeoutMillis: 5000,
  query_timeout: 5000,
  max: 10,
});
pool.on("error", () => undefined);
await pool.query(`
  CREATE TABLE IF NOT EXISTS waymark_flows (
    id text PRIMARY KEY,
    flow text NOT NULL,
    version integer NOT NULL,
    expires_at bigint NOT NULL,
    record jsonb NOT NULL,
    keep_until bigint NOT NULL
      GENERATED ALWAYS AS (COALESCE((record->>'keepUntil')::bigint, expires_at)) STORED
  );
  CREATE INDEX IF NOT EXISTS waymark_flows_keep_until ON waymark_flows (keep_until);
`);

const records: Records = {
  async load(id) {
    const { rows } = await pool.query<{ record: Row }>(
      "SELECT record FROM waymark_flows WHERE id = $1",
      [id],
    );
    return rows[0]?.record;
  },
  async create(row) {
    await pool.query(
      `INSERT INTO waymark_flows (id, flow, version, expires_at, record)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [row.id, row.flow, row.version, row.expiresAt, row],
    );
  },
  async save(row, expected) {
    const { rowCount } = await pool.query(
      `UPDATE waymark_flows SET version = $2, expires_at = $3, record = $4
       WHERE id = $1 AND version = $5 RETURNING id`,
      [row.id, row.version, row.expiresAt, row, expected],
    );
    return rowCount === 1;
  },
  close: () => pool.end(),
};
serveFloor(records, Number(port));
