import { defineScript } from "redis";
import { effectsLua, outboxScripts } from "./redis-outbox-scripts.ts";
import type { IdempotencyClaimResult, IdempotencyEntry, StoredResponse } from "./types.ts";

// A flow is one hash { version, expiresAt, keepUntil, record } (hashes written before
// flows had a keeping time lack `keepUntil`); an idempotency key is one hash
// { fingerprint, leaseUntil, keepUntil, response }; a flow's write lock is one string,
// its holder's token. A flow's writes also take its event log and outbox (see
// redis-outbox-scripts.ts), keys under the same hash tag, so every script runs on a
// single Cluster slot. A write that changes a flow publishes on the flow's channel
// (`SPUBLISH`, sharded pub/sub: the channel carries the hash tag, so it lives in the same
// slot), inside its script: watches hear of it with no command of its own. Versions and
// times travel as decimal strings.

/**
 * A flow's keys, all in its slot: record, event log, outbox, log awaiting its tombstone,
 * and the sharded pub/sub channel its writes are published on.
 */
export interface FlowKeys {
  record: string;
  log: string;
  outbox: string;
  tombstoning: string;
  live: string;
}

/** A flow's times as its hash keeps them and its key's expiry, in epoch milliseconds. */
export interface FlowTimes {
  expiresAt: number;
  /** The record's `keepUntil`, or `expiresAt` without one: what `purgeExpired` goes by. */
  keepUntil: number;
  /** When Redis drops the key by itself: `keepUntil` plus the store's `purgeDelayMs`. */
  dropAt: number;
}

const createScript = defineScript({
  NUMBER_OF_KEYS: 4,
  SCRIPT: `${effectsLua}
    if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
    redis.call('HSET', KEYS[1], 'version', ARGV[1], 'expiresAt', ARGV[2], 'keepUntil', ARGV[3],
      'record', ARGV[5])
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
    appendEffects(KEYS[2], KEYS[3], 6)
    redis.call('PEXPIREAT', KEYS[2], ARGV[4])
    redis.call('SPUBLISH', KEYS[4], ARGV[1])
    return 1`,
  parseCommand(
    parser,
    keys: FlowKeys,
    version: number,
    times: FlowTimes,
    json: string,
    effects: readonly string[],
  ) {
    parser.pushKeys([keys.record, keys.log, keys.outbox, keys.live]);
    parser.push(String(version), ...timeArguments(times), json, ...effects);
  },
  transformReply: (reply: unknown) => reply === 1,
});

const saveScript = defineScript({
  NUMBER_OF_KEYS: 4,
  SCRIPT: `${effectsLua}
    if tonumber(redis.call('HGET', KEYS[1], 'version')) ~= tonumber(ARGV[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'version', ARGV[2], 'expiresAt', ARGV[3], 'keepUntil', ARGV[4],
      'record', ARGV[6])
    redis.call('PEXPIREAT', KEYS[1], ARGV[5])
    appendEffects(KEYS[2], KEYS[3], 7)
    redis.call('PEXPIREAT', KEYS[2], ARGV[5])
    redis.call('SPUBLISH', KEYS[4], ARGV[2])
    return 1`,
  parseCommand(
    parser,
    keys: FlowKeys,
    expected: number,
    version: number,
    times: FlowTimes,
    json: string,
    effects: readonly string[],
  ) {
    parser.pushKeys([keys.record, keys.log, keys.outbox, keys.live]);
    parser.push(String(expected), String(version), ...timeArguments(times), json, ...effects);
  },
  transformReply: (reply: unknown) => reply === 1,
});

function timeArguments({ expiresAt, keepUntil, dropAt }: FlowTimes): string[] {
  return [String(expiresAt), String(keepUntil), String(dropAt)];
}

/**
 * Deletes a flow if it exists (at the expected version, when one is given, ARGV[1]),
 * with its effects. The log goes with it, or, given a tombstone key (ARGV[2]), moves to
 * the flow's tombstoning key, which keeps it without expiry until it is copied there.
 */
const deleteScript = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${effectsLua}
    local version = redis.call('HGET', KEYS[1], 'version')
    if not version or (ARGV[1] ~= '' and tonumber(version) ~= tonumber(ARGV[1])) then
      return 0
    end
    redis.call('DEL', KEYS[1])
    appendEffects(KEYS[2], KEYS[3], 3)
    if ARGV[2] == '' or redis.call('EXISTS', KEYS[2]) == 0 then
      redis.call('DEL', KEYS[2])
    else
      redis.call('RENAME', KEYS[2], KEYS[4])
      redis.call('PERSIST', KEYS[4])
      redis.call('HSET', KEYS[4], 'tombstone', ARGV[2])
    end
    redis.call('SPUBLISH', KEYS[5], '0')
    return 1`,
  parseCommand(
    parser,
    keys: FlowKeys,
    expectedVersion: number | undefined,
    tombstoneKey: string | undefined,
    effects: readonly string[],
  ) {
    parser.pushKeys([keys.record, keys.log, keys.outbox, keys.tombstoning, keys.live]);
    parser.push(
      expectedVersion === undefined ? "" : String(expectedVersion),
      tombstoneKey ?? "",
      ...effects,
    );
  },
  transformReply: (reply: unknown) => reply === 1,
});

/**
 * Deletes the hash, and the key that goes with it (a flow's log; an idempotency key has
 * none and names itself again), if its time is at or before now: the first of `fields`
 * it has (a flow's `keepUntil`, then `expiresAt` for hashes written before it; an
 * idempotency key's `keepUntil`).
 */
const purgeScript = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    local at
    for i = 2, #ARGV do
      at = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
      if at then break end
    end
    if not (at and at <= tonumber(ARGV[1])) then return 0 end
    local gone = redis.call('DEL', KEYS[1])
    if KEYS[2] ~= KEYS[1] then redis.call('DEL', KEYS[2]) end
    return gone`,
  parseCommand(parser, key: string, companion: string, fields: readonly string[], now: number) {
    parser.pushKeys([key, companion]);
    parser.push(String(now), ...fields);
  },
  transformReply: (reply: unknown) => reply === 1,
});

// The same rules as the SQLite store. A missing or outlived entry is replaced whole by
// the claim; an unfinished one with the same fingerprint and no lease is taken over,
// keeping its flow id; anything else is returned untouched.
const claimScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local e = redis.call('HMGET', KEYS[1], 'fingerprint', 'leaseUntil', 'keepUntil', 'response', 'flowId')
    local now = tonumber(ARGV[2])
    if not e[1] or (tonumber(e[3]) or 0) <= now then
      redis.call('DEL', KEYS[1])
      redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'token', ARGV[5], 'flowId', ARGV[6],
        'leaseUntil', ARGV[3], 'keepUntil', ARGV[4])
      redis.call('PEXPIREAT', KEYS[1], ARGV[4])
      return { 'claimed', ARGV[6] }
    end
    if e[1] == ARGV[1] and not e[4] and (tonumber(e[2]) or 0) <= now then
      redis.call('HSET', KEYS[1], 'token', ARGV[5], 'leaseUntil', ARGV[3])
      return { 'claimed', e[5] }
    end
    return { 'taken', e[1], e[2] or '', e[4] }`,
  parseCommand(
    parser,
    key: string,
    claim: {
      fingerprint: string;
      now: number;
      leaseUntil: number;
      keepUntil: number;
      token: string;
      flowId: string;
    },
  ) {
    parser.pushKey(key);
    parser.push(
      claim.fingerprint,
      String(claim.now),
      String(claim.leaseUntil),
      String(claim.keepUntil),
      claim.token,
      claim.flowId,
    );
  },
  transformReply: (reply: unknown): IdempotencyClaimResult => {
    const [outcome, first, lease, response] = reply as [string, string, string?, string?];
    if (outcome === "claimed") return { claimed: true, flowId: first };
    if (response) {
      return {
        claimed: false,
        entry: { fingerprint: first, response: JSON.parse(response) as StoredResponse },
      };
    }
    const entry: IdempotencyEntry = { fingerprint: first };
    if (lease) entry.leaseUntil = Number(lease);
    return { claimed: false, entry };
  },
});

const finishScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1]
        or redis.call('HEXISTS', KEYS[1], 'response') == 1 then
      return 0
    end
    redis.call('HSET', KEYS[1], 'response', ARGV[2])
    redis.call('HDEL', KEYS[1], 'leaseUntil')
    return 1`,
  parseCommand(parser, key: string, token: string, json: string) {
    parser.pushKey(key);
    parser.push(token, json);
  },
  transformReply: (reply: unknown) => reply === 1,
});

const releaseScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1]
        or redis.call('HEXISTS', KEYS[1], 'response') == 1 then
      return 0
    end
    redis.call('HSET', KEYS[1], 'leaseUntil', '0')
    return 1`,
  parseCommand(parser, key: string, token: string) {
    parser.pushKey(key);
    parser.push(token);
  },
  transformReply: (reply: unknown) => reply === 1,
});

/** Deletes a flow's write lock (a string key) if the token given still holds it. */
const unlockScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0`,
  parseCommand(parser, key: string, token: string) {
    parser.pushKey(key);
    parser.push(token);
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
  waymarkUnlock: unlockScript,
  ...outboxScripts,
};
