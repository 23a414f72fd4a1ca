import { defineScript } from "redis";
import type { IdempotencyEntry, StoredResponse } from "./types.ts";

// A flow is one hash { version, expiresAt, record }; an idempotency key is one hash
// { fingerprint, leaseUntil, keepUntil, response }. Each operation touches one key, so
// every script runs on a single Cluster slot. Versions and times travel as decimal strings.

const createScript = defineScript({
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

const saveScript = defineScript({
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

const deleteScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if ARGV[1] ~= '' and tonumber(redis.call('HGET', KEYS[1], 'version')) ~= tonumber(ARGV[1]) then
      return 0
    end
    return redis.call('DEL', KEYS[1])`,
  parseCommand(parser, key: string, expectedVersion: number | undefined) {
    parser.pushKey(key);
    parser.push(expectedVersion === undefined ? "" : String(expectedVersion));
  },
  transformReply: (reply: unknown) => reply === 1,
});

/** Deletes the hash if its time field (`expiresAt` or `keepUntil`) is at or before now. */
const purgeScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local at = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
    if at and at <= tonumber(ARGV[2]) then return redis.call('DEL', KEYS[1]) end
    return 0`,
  parseCommand(parser, key: string, field: string, now: number) {
    parser.pushKey(key);
    parser.push(field, String(now));
  },
  transformReply: (reply: unknown) => reply === 1,
});

// The same rule as the SQLite store: an entry blocks while it is kept and either
// finished or leased; otherwise the claim replaces it whole.
const claimScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local entry = redis.call('HMGET', KEYS[1], 'fingerprint', 'leaseUntil', 'keepUntil', 'response')
    local now = tonumber(ARGV[2])
    if entry[1] and (tonumber(entry[3]) or 0) > now
        and (entry[4] or (tonumber(entry[2]) or 0) > now) then
      return { entry[1], entry[4] }
    end
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'leaseUntil', ARGV[3], 'keepUntil', ARGV[4])
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
    return false`,
  parseCommand(parser, key: string, fingerprint: string, now: number, lease: number, keep: number) {
    parser.pushKey(key);
    parser.push(fingerprint, String(now), String(lease), String(keep));
  },
  transformReply: (reply: unknown): IdempotencyEntry | undefined => {
    if (!Array.isArray(reply)) return undefined;
    const [fingerprint, response] = reply as [string, string | null];
    return response === null
      ? { fingerprint }
      : { fingerprint, response: JSON.parse(response) as StoredResponse };
  },
});

const finishScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('HEXISTS', KEYS[1], 'fingerprint') == 0
        or redis.call('HEXISTS', KEYS[1], 'response') == 1 then
      return 0
    end
    redis.call('HSET', KEYS[1], 'response', ARGV[1])
    redis.call('HDEL', KEYS[1], 'leaseUntil')
    return 1`,
  parseCommand(parser, key: string, json: string) {
    parser.pushKey(key);
    parser.push(json);
  },
  transformReply: (reply: unknown) => reply === 1,
});

const releaseScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1]
        or redis.call('HEXISTS', KEYS[1], 'response') == 1 then
      return 0
    end
    return redis.call('DEL', KEYS[1])`,
  parseCommand(parser, key: string, fingerprint: string) {
    parser.pushKey(key);
    parser.push(fingerprint);
  },
  transformReply: (reply: unknown) => reply === 1,
});

/** The scripts, registered on the client or cluster as `waymark…` methods. */
export const scripts = {
  waymarkCreate: createScript,
  waymarkSave: saveScript,
  waymarkDelete: deleteScript,
  waymarkPurge: purgeScript,
  waymarkClaim: claimScript,
  waymarkFinish: finishScript,
  waymarkRelease: releaseScript,
};
