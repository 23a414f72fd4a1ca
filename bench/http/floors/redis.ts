/**
 * The Redis floor: Waymark's key layout, client settings, TTL and Lua compare-and-set
 * (src/store/redis.ts, src/store/redis-scripts.ts), no more. Usage: redis.ts <url> <port>
 */
import { createClient } from "redis";
import { flowKeys } from "../../../src/store/redis-outbox.ts";
import { scripts } from "../../../src/store/redis-scripts.ts";
import { type Records, serveFloor } from "./http.ts";
import type { Row } from "./onboarding.ts";

const [url = "", port = "0"] = process.argv.slice(2);

const client = createClient({
  url,
  disableOfflineQueue: true,
  socket: { connectTimeout: 2000 },
  commandOptions: { timeout: 2000 },
  // Waymark's own Lua: the same compare-and-set, run by the floor's own calls.
  scripts: { floorCreate: scripts.waymarkCreate, floorSave: scripts.waymarkSave },
});
client.on("error", () => undefined);
await client.connect();
// Waymark's layout under its own prefix: a hash per flow, braces for Cluster slots.
const keys = (id: string) => flowKeys("floor:", id);
// A write without events: Waymark's scripts then touch the record alone.
const noEffects = ["0"];
// A floor row has no keeping time of its own: it keeps until it expires, and its key a
// minute longer, as Waymark's does by default.
const timesOf = (row: Row) => ({
  expiresAt: row.expiresAt,
  keepUntil: row.expiresAt,
  dropAt: row.expiresAt + 60_000,
});

const records: Records = {
  async load(id) {
    const json = await client.hGet(keys(id).record, "record");
    return json === null ? undefined : (JSON.parse(json) as Row);
  },
  async create(row) {
    const json = JSON.stringify(row);
    await client.floorCreate(keys(row.id), row.version, timesOf(row), json, noEffects);
  },
  async save(row, expected) {
    const json = JSON.stringify(row);
    return client.floorSave(keys(row.id), expected, row.version, timesOf(row), json, noEffects);
  },
  async close() {
    await client.close();
  },
};
serveFloor(records, Number(port));
