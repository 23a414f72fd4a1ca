/**
 * The SQLite floor: Waymark's table, pragmas and statements (src/store/sqlite.ts), no
 * more. Usage: sqlite.ts <file> <port>
 */
import Database from "better-sqlite3";
import { type Records, serveFloor } from "./http.ts";
import type { Row } from "./onboarding.ts";

const [path = "floor.db", port = "0"] = process.argv.slice(2);

const db = new Database(path);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("secure_delete = ON");
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
  CREATE INDEX IF NOT EXISTS waymark_flows_keep_hour ON waymark_flows (keep_hour);
`);
const insert = db.prepare(
  `INSERT OR IGNORE INTO waymark_flows (id, flow, version, expires_at, keep_until, keep_hour, record)
   VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
const select = db.prepare<[string], { record: string }>(
  "SELECT record FROM waymark_flows WHERE id = ?",
);
const update = db.prepare(
  `UPDATE waymark_flows SET version = ?, expires_at = ?, keep_until = ?, record = ?
   WHERE id = ? AND version = ? AND keep_hour = ?`,
);
const updateHour = db.prepare(
  `UPDATE waymark_flows SET version = ?, expires_at = ?, keep_until = ?, keep_hour = ?, record = ?
   WHERE id = ? AND version = ?`,
);
// A floor row has no keeping time of its own: it keeps until it expires.
const hourOf = (row: Row) => Math.floor(row.expiresAt / 3_600_000);

const records: Records = {
  async load(id) {
    const row = select.get(id);
    return row ? (JSON.parse(row.record) as Row) : undefined;
  },
  async create(row) {
    const { id, flow, version, expiresAt } = row;
    insert.run(id, flow, version, expiresAt, expiresAt, hourOf(row), JSON.stringify(row));
  },
  async save(row, expected) {
    const json = JSON.stringify(row);
    const { id, version, expiresAt } = row;
    return (
      update.run(version, expiresAt, expiresAt, json, id, expected, hourOf(row)).changes === 1 ||
      updateHour.run(version, expiresAt, expiresAt, hourOf(row), json, id, expected).changes === 1
    );
  },
  async close() {
    db.close();
  },
};
serveFloor(records, Number(port));
