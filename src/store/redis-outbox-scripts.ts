import { defineScript } from "redis";

// A flow's event log is one hash { <event id>: <event JSON> }, beside its record in the
// flow's slot and expiring with it; a second write of an event id keeps the first. Its
// outbox is one hash { <delivery key>: <delivery JSON> } in the same slot, with no expiry,
// gone once empty. A delivery's JSON keeps the event as a JSON string (so Lua's cjson
// never rewrites it), the event's version and index (`v`, `i`) for ordering, and while
// leased its `leaseUntil` and `token`.
//
// Across flows, the index is a sorted set { <flow id>: <when its outbox may next have
// work> } and a hash { <flow id>: <count of index writes> }, both under one hash tag
// of their own. Writers lower a flow's time (ZADD LT) and bump its count after their
// write; a claimer that read the count before looking at the outbox rewrites the time
// only if the count is still the one it read, so a write it did not see is never
// hidden by it.

/**
 * Lua for the flow scripts: `appendEffects(log, outbox, from)` appends the events and
 * deliveries encoded from `ARGV[from]` on by `effectArguments` (a count of events, their
 * id/JSON pairs, then key/JSON pairs of deliveries).
 */
export const effectsLua = `
  local function appendEffects(log, outbox, from)
    local at = from + 1
    for _ = 1, tonumber(ARGV[from]) do
      redis.call('HSETNX', log, ARGV[at], ARGV[at + 1])
      at = at + 2
    end
    for j = at, #ARGV, 2 do redis.call('HSETNX', outbox, ARGV[j], ARGV[j + 1]) end
  end`;

/**
 * Lua: `heads(outbox)` lists the first pending delivery of each destination (by event
 * version, then index), soonest first; `nextDue(heads)` is the earliest time one of them
 * can be claimed (its attempt time, or the end of its lease), or -1 when none is pending.
 */
const headsLua = `
  local function before(a, b)
    if a.d.v ~= b.d.v then return a.d.v < b.d.v end
    return a.d.i < b.d.i
  end
  local function heads(outbox)
    local all = redis.call('HGETALL', outbox)
    local first = {}
    for k = 1, #all, 2 do
      local d = cjson.decode(all[k + 1])
      if d.state == 'pending' then
        local h = first[d.destination]
        local candidate = { field = all[k], d = d }
        if not h or before(candidate, h) then first[d.destination] = candidate end
      end
    end
    local list = {}
    for _, h in pairs(first) do list[#list + 1] = h end
    table.sort(list, function(a, b)
      if a.d.nextAttemptAt ~= b.d.nextAttemptAt then return a.d.nextAttemptAt < b.d.nextAttemptAt end
      if a.d.v ~= b.d.v then return a.d.v < b.d.v end
      if a.d.i ~= b.d.i then return a.d.i < b.d.i end
      return a.field < b.field
    end)
    return list
  end
  local function nextDue(list)
    local soonest = -1
    for _, h in ipairs(list) do
      local ready = math.max(h.d.nextAttemptAt, h.d.leaseUntil or 0)
      if soonest < 0 or ready < soonest then soonest = ready end
    end
    return soonest
  end`;

/** What a claim in one flow's outbox answers: its next due time (-1: none), and what it leased. */
export interface OutboxReply {
  next: number;
  /** Each leased delivery's key and stored JSON. */
  entries: Array<{ key: string; json: string }>;
}

function outboxReply(reply: unknown): OutboxReply {
  const [next, ...rest] = reply as [number, ...string[]];
  const entries: OutboxReply["entries"] = [];
  for (let k = 0; k + 1 < rest.length; k += 2) {
    entries.push({ key: rest[k] as string, json: rest[k + 1] as string });
  }
  return { next: Number(next), entries };
}

/** Leases the due heads of one flow's outbox, up to a limit. */
const claimScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `${headsLua}
    local now, leaseUntil, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
    local list = heads(KEYS[1])
    local claimed = {}
    for _, h in ipairs(list) do
      if #claimed >= 2 * limit then break end
      if h.d.nextAttemptAt <= now and (h.d.leaseUntil or 0) <= now then
        h.d.leaseUntil = leaseUntil
        h.d.token = ARGV[3]
        local json = cjson.encode(h.d)
        redis.call('HSET', KEYS[1], h.field, json)
        claimed[#claimed + 1] = h.field
        claimed[#claimed + 1] = json
      end
    end
    local reply = { nextDue(list) }
    for _, value in ipairs(claimed) do reply[#reply + 1] = value end
    return reply`,
  parseCommand(parser, key: string, now: number, leaseUntil: number, token: string, limit: number) {
    parser.pushKey(key);
    parser.push(String(now), String(leaseUntil), token, String(limit));
  },
  transformReply: outboxReply,
});

/**
 * Settles a leased delivery if the token still holds it: `delivered` removes it, `retry`
 * and `dead` count the attempt and keep the error. Answers {0} when the token does not
 * hold it, else {1, next due time of the outbox}.
 */
const settleScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `${headsLua}
    local raw = redis.call('HGET', KEYS[1], ARGV[1])
    if not raw then return { 0 } end
    local d = cjson.decode(raw)
    if d.state ~= 'pending' or d.token ~= ARGV[2] then return { 0 } end
    if ARGV[3] == 'delivered' then
      redis.call('HDEL', KEYS[1], ARGV[1])
    else
      d.attempts = d.attempts + 1
      d.lastError = ARGV[5]
      d.leaseUntil = nil
      d.token = nil
      if ARGV[3] == 'dead' then d.state = 'dead' else d.nextAttemptAt = tonumber(ARGV[4]) end
      redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(d))
    end
    return { 1, nextDue(heads(KEYS[1])) }`,
  parseCommand(
    parser,
    key: string,
    field: string,
    token: string,
    outcome: { state: string; nextAttemptAt?: number; error?: string },
  ) {
    parser.pushKey(key);
    parser.push(
      field,
      token,
      outcome.state,
      String(outcome.nextAttemptAt ?? 0),
      outcome.error ?? "",
    );
  },
  transformReply: settledReply,
});

/** Puts a dead delivery back to pending at `now`, attempts reset: {1, next due} or {0}. */
const reviveScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `${headsLua}
    local raw = redis.call('HGET', KEYS[1], ARGV[1])
    if not raw then return { 0 } end
    local d = cjson.decode(raw)
    if d.state ~= 'dead' then return { 0 } end
    d.state = 'pending'
    d.attempts = 0
    d.nextAttemptAt = tonumber(ARGV[2])
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(d))
    return { 1, nextDue(heads(KEYS[1])) }`,
  parseCommand(parser, key: string, field: string, now: number) {
    parser.pushKey(key);
    parser.push(field, String(now));
  },
  transformReply: settledReply,
});

function settledReply(reply: unknown): { done: boolean; next: number } {
  const [done, next] = reply as [number, number?];
  return { done: done === 1, next: Number(next ?? -1) };
}

/** A writer's mark in the index: the flow's time lowered to `at` (or added), its count bumped. */
const markScript = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
    return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)`,
  parseCommand(parser, due: string, counts: string, id: string, at: number) {
    parser.pushKey(due);
    parser.pushKey(counts);
    parser.push(id, String(at));
  },
  transformReply: () => undefined,
});

/** Flows whose time has come, up to `count`, each with its count as read now ("" for none). */
const dueScript = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
    local reply = {}
    for _, id in ipairs(ids) do
      reply[#reply + 1] = id
      reply[#reply + 1] = redis.call('HGET', KEYS[2], id) or ''
    end
    return reply`,
  parseCommand(parser, due: string, counts: string, now: number, count: number) {
    parser.pushKey(due);
    parser.pushKey(counts);
    parser.push(String(now), String(count));
  },
  transformReply: (reply: unknown) => {
    const flat = reply as string[];
    const due: Array<{ id: string; count: string }> = [];
    for (let k = 0; k + 1 < flat.length; k += 2) {
      due.push({ id: flat[k] as string, count: flat[k + 1] as string });
    }
    return due;
  },
});

/**
 * A claimer's update of the index: if the flow's count is still `count`, its time
 * becomes `next`, or it leaves the index when `next` is -1 (nothing pending).
 */
const rescheduleScript = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    if (redis.call('HGET', KEYS[2], ARGV[1]) or '') ~= ARGV[2] then return 0 end
    if ARGV[3] == '-1' then
      redis.call('ZREM', KEYS[1], ARGV[1])
      redis.call('HDEL', KEYS[2], ARGV[1])
    else
      redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
    end
    return 1`,
  parseCommand(parser, due: string, counts: string, id: string, count: string, next: number) {
    parser.pushKey(due);
    parser.pushKey(counts);
    parser.push(id, count, String(next));
  },
  transformReply: () => undefined,
});

/** Adds id/JSON pairs to an event log that never expires (a tombstone's), keeping existing ids. */
const appendLogScript = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    for j = 1, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[j], ARGV[j + 1]) end
    redis.call('PERSIST', KEYS[1])
    return 1`,
  parseCommand(parser, key: string, pairs: readonly string[]) {
    parser.pushKey(key);
    parser.push(...pairs);
  },
  transformReply: () => undefined,
});

/** The outbox scripts, registered beside the record scripts as `waymark…` methods. */
export const outboxScripts = {
  waymarkClaimOutbox: claimScript,
  waymarkSettleOutbox: settleScript,
  waymarkReviveOutbox: reviveScript,
  waymarkMarkDue: markScript,
  waymarkDue: dueScript,
  waymarkReschedule: rescheduleScript,
  waymarkAppendLog: appendLogScript,
};
