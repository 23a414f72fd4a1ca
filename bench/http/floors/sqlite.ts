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
    expires_hour INTEGER NOT NULL,
    record TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS waymark_flows_expires_hour ON waymark_flows (expires_hour);
`);
const insert = db.prepare(
  "INSERT OR IGNORE INTO waymark_flows (id, flow, version, expires_at, expires_hour, record) VALUES (?, ?, ?, ?, ?, ?)",
);
const select = db.prepare<[string], { record: string }>(
  "SELECT record FROM waymark_flows WHERE id = ?",
);
const update = db.prepare(
  "UPDATE waymark_flows SET version = ?, expires_at = ?, record = ? WHERE id = ? AND version = ? AND expires_hour = ?",
);
const updateHour = db.prepare(
  "UPDATE waymark_flows SET version = ?, expires_at = ?, expires_hour = ?, record = ? WHERE id = ? AND version = ?",
);
const hourOf = (row: Row) => Math.floor(row.expiresAt / 3_600_000);

const records: Records = {
  async load(id) {
    const row = select.get(id);
    return row ? (JSON.parse(row.record) as Row) : undefined;
  },
  async create(row) {
    insert.run(row.id, row.flow, row.version, row.expiresAt, hourOf(row), JSON.stringify(row));
  },
  async save(row, expected) {
    const json = JSON.stringify(row);
    const { id, version, expiresAt } = row;
    return (
      update.run(version, expiresAt, json, id, expected, hourOf(row)).changes === 1 ||
      updateHour.run(version, expiresAt, hourOf(row), json, id, expected).changes === 1
    );
  },
  async close() {
    db.close();
  },
};
serveFloor(records, Number(port));
