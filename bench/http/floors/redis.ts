/**
 * The Redis floor: Waymark's key layout, client settings, TTL and Lua compare-and-set
 * (src/store/redis.ts, src/store/redis-scripts.ts), no more. Usage: redis.ts <url> <port>
 */
import { createClient, defineScript } from "redis";
import { type Records, serveFloor } from "./http.ts";
import type { Row } from "./onboarding.ts";

const [url = "", port = "0"] = process.argv.slice(2);

const create = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('HSET', KEYS[1], 'version', ARGV[1], 'expiresAt', ARGV[2], 'record', ARGV[3])
    redis.call('PEXPIREAT', KEYS[1], ARGV[2])
    return 1`,
  parseCommand(parser, key: string, version: number, expiresAt: number, json: string) {
    parser.pushKey(key);
    parser.push(String(version), String(expiresAt), json);
  },
  transformReply: (reply: unknown) => reply === 1,
});

const save = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if tonumber(redis.call('HGET', KEYS[1], 'version')) ~= tonumber(ARGV[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'version', ARGV[2], 'expiresAt', ARGV[3], 'record', ARGV[4])
    redis.call('PEXPIREAT', KEYS[1], ARGV[3])
    return 1`,
  parseCommand(parser, key: string, expected: number, version: number, at: number, json: string) {
    parser.pushKey(key);
    parser.push(String(expected), String(version), String(at), json);
  },
  transformReply: (reply: unknown) => reply === 1,
});

const client = createClient({
  url,
  disableOfflineQueue: true,
  socket: { connectTimeout: 2000 },
  commandOptions: { timeout: 2000 },
  scripts: { floorCreate: create, floorSave: save },
});
client.on("error", () => undefined);
await client.connect();
// Waymark's layout under its own prefix: a hash per flow, braces for Cluster slots.
const key = (id: string) => `floor:flow:{${id}}`;

const records: Records = {
  async load(id) {
    const json = await client.hGet(key(id), "record");
    return json === null ? undefined : (JSON.parse(json) as Row);
  },
  async create(row) {
    await client.floorCreate(key(row.id), row.version, row.expiresAt, JSON.stringify(row));
  },
  async save(row, expected) {
    const json = JSON.stringify(row);
    return client.floorSave(key(row.id), expected, row.version, row.expiresAt, json);
  },
  async close() {
    await client.close();
  },
};
serveFloor(records, Number(port));
