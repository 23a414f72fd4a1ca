/**
 * The in-RAM floor: the same server with its rows in a Map, each kept as JSON so a
 * write still serialises. No driver to count in, so it counts its own operations: one
 * per load, one per compare-and-set. Usage: memory.ts <port>
 */
import { countStoreOp, type Records, serveFloor } from "./http.ts";
import type { Row } from "./onboarding.ts";

const [port = "0"] = process.argv.slice(2);
const rows = new Map<string, { version: number; json: string }>();

const records: Records = {
  async load(id) {
    countStoreOp();
    const json = rows.get(id)?.json;
    return json === undefined ? undefined : (JSON.parse(json) as Row);
  },
  async create(row) {
    countStoreOp();
    rows.set(row.id, { version: row.version, json: JSON.stringify(row) });
  },
  async save(row, expected) {
    countStoreOp();
    if (rows.get(row.id)?.version !== expected) return false;
    rows.set(row.id, { version: row.version, json: JSON.stringify(row) });
    return true;
  },
  async close() {},
};
serveFloor(records, Number(port));
