import type { FlowRecord } from "../flow/types.ts";
import { checkBatchLimit } from "./batch-limit.ts";
import { keepingTime } from "./keeping-time.ts";
import { counterOf, limiterOptions } from "./rate-limit-counter.ts";
import { attempt, openConnection } from "./redis-connection.ts";
import { effectArguments, flowKeys, globEscape, redisOutbox } from "./redis-outbox.ts";
import { redisRejections } from "./redis-rejections.ts";
import type { FlowTimes } from "./redis-scripts.ts";
import { walkKeys } from "./redis-walk.ts";
import { redisWatches } from "./redis-watch.ts";
import type { FlowStore } from "./types.ts";

/**
 * Options of {@link createRedisStore}: give `url` or `clusterNodes`.
 *
 * @example { url: "redis://:secret@cache.internal:6379/2", prefix: "onboarding:", timeoutMs: 1000 }
 */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`) for one server. */
  url?: string | undefined;
  /**
   * Some root nodes of a Redis Cluster, such as `["redis://127.0.0.1:7000"]`; the rest
   * of the cluster is discovered. Credentials and TLS are taken from the first one.
   */
  clusterNodes?: string[] | undefined;
  /**
   * Prepended to every key, so several deployments can share one Redis. Keep braces out
   * of it: a hash tag in the prefix would put every key in one Cluster slot.
   * @default "waymark:"
   */
  prefix?: string | undefined;
  /**
   * Milliseconds a flow's key outlives the flow's keeping time (`keepUntil`, or
   * `expiresAt` without one) before Redis deletes it by itself. Until then an expired flow
   * still loads (410, and recoverable while within `keepUntil`), as on the other stores
   * until their sweep, which runs every minute: the default makes every store answer
   * alike. A whole number, 0 or more.
   * @default 60000
   * @example { url: "redis://127.0.0.1:6379", purgeDelayMs: 5 * 60_000 }
   */
  purgeDelayMs?: number | undefined;
  /**
   * Milliseconds before a command, or a connection attempt, gives up with
   * `store-unavailable`.
   * @default 2000
   */
  timeoutMs?: number | undefined;
  /**
   * Milliseconds between two walks of the whole keyspace (SCAN on every server) by
   * `claimDeliveries`, for outboxes its index missed: the first claim walks, then at most
   * one claim per interval. The index is updated right after each write, apart from it,
   * so a crash in between delays those deliveries by up to this much. A whole number,
   * more than 0.
   * @default 60000
   */
  outboxScanIntervalMs?: number | undefined;
}

/** Keys per SCAN page: large enough to walk a big keyspace in few round trips. */
const scanCount = 500;

/**
 * The Redis store, for one server or a Redis Cluster. Each write is one Lua script on the
 * keys of one slot (taking a flow's write lock, one `SET … NX PX`), and Redis deletes a flow's key by
 * itself `purgeDelayMs` after the flow's keeping time (`keepUntil`, or `expiresAt`
 * without one). Until then an expired flow still loads, and answers 410 as on the other
 * stores; `purgeExpired` (`waymark purge`) deletes flows past their keeping time at
 * once. When Redis is unreachable every call fails fast with `store-unavailable` while
 * the client reconnects in the background.
 *
 * A flow's event log and outbox are keys under its hash tag, written by the same script
 * as its record; deliverers find outboxes through an index written after each write and
 * a walk of the keyspace every `outboxScanIntervalMs` (see `redisOutbox`).
 *
 * Each write script also publishes on the flow's sharded pub/sub channel (`SPUBLISH`, in
 * the flow's slot); `watchFlow` subscribes once per watched flow, on one connection of its
 * own for a server (opened at the first watch) or the Cluster's per-shard ones.
 *
 * @example
 * const store = await createRedisStore({ url: "redis://127.0.0.1:6379" });
 * @example
 * const store = await createRedisStore({
 *   clusterNodes: ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"],
 *   prefix: "shop:",
 * });
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<FlowStore> {
  const prefix = options.prefix ?? "waymark:";
  const timeoutMs = options.timeoutMs ?? 2000;
  const purgeDelayMs = options.purgeDelayMs ?? 60_000;
  if (!Number.isInteger(purgeDelayMs) || purgeDelayMs < 0) {
    throw new RangeError(
      `purgeDelayMs must be a whole number of milliseconds, not ${purgeDelayMs}`,
    );
  }
  const outboxScanIntervalMs = options.outboxScanIntervalMs ?? 60_000;
  if (!Number.isInteger(outboxScanIntervalMs) || outboxScanIntervalMs <= 0) {
    throw new RangeError(
      `outboxScanIntervalMs must be a whole number of milliseconds, not ${outboxScanIntervalMs}`,
    );
  }
  const { connection, nodes, connect, subscriber } = openConnection(options, timeoutMs);
  const connecting = connect();
  await attempt(() => connecting, timeoutMs).catch((error: unknown) => {
    const drop = () => connection.destroy();
    drop();
    // A connection still under way can complete after the deadline, and a Cluster then
    // opens its node connections anyway: drop those too, or they keep the process alive.
    void connecting.then(drop, drop);
    throw error;
  });
  // The braces are Cluster hash tags: everything of one flow stays in one slot.
  const flowPrefix = `${prefix}flow:{`;
  const idempotencyPrefix = `${prefix}idem:{`;
  const tombstoningPrefix = `${prefix}outbox:tombstone:{`;
  const keysOf = (id: string) => flowKeys(prefix, id);
  const flowMatch = `${globEscape(flowPrefix)}*}`;
  const timesOf = (record: FlowRecord): FlowTimes => {
    const keepUntil = keepingTime(record);
    return { expiresAt: record.expiresAt, keepUntil, dropAt: keepUntil + purgeDelayMs };
  };
  const idempotencyKey = (key: string) => `${idempotencyPrefix}${key}}`;
  // The flow's hash tag again: its lock lives in its slot.
  const lockKey = (id: string) => `${prefix}lock:{${id}}`;
  const run = <T>(operation: () => Promise<T>) => attempt(operation, timeoutMs);
  const forEachKey = async (match: string, visit: (keys: string[]) => Promise<void>) => {
    for (const { client } of await run(nodes)) {
      let cursor = "0";
      do {
        const page = await run(() =>
          client.scan(cursor, { MATCH: match, TYPE: "hash", COUNT: scanCount }),
        );
        cursor = page.cursor;
        await visit(page.keys);
      } while (cursor !== "0");
    }
  };
  const watches = redisWatches(subscriber, (id) => keysOf(id).live, run);
  const outbox = redisOutbox({
    connection,
    run,
    prefix,
    forEachKey,
    scanIntervalMs: outboxScanIntervalMs,
  });

  return {
    async create(record, effects) {
      const json = JSON.stringify(record);
      const keys = keysOf(record.id);
      const written = effectArguments(effects);
      const created = await run(() =>
        connection.waymarkCreate(keys, record.version, timesOf(record), json, written),
      );
      if (created) await outbox.afterWrite(record.id, effects);
      return created;
    },
    async load(id) {
      const json = await run(() => connection.hGet(keysOf(id).record, "record"));
      return json === null ? undefined : (JSON.parse(json) as FlowRecord);
    },
    async save(record, expectedVersion, effects) {
      const { id, version } = record;
      const json = JSON.stringify(record);
      const times = timesOf(record);
      const written = effectArguments(effects);
      const saved = await run(() =>
        connection.waymarkSave(keysOf(id), expectedVersion, version, times, json, written),
      );
      if (saved) await outbox.afterWrite(id, effects);
      return saved;
    },
    async delete(id, expectedVersion, effects) {
      const erase = effects?.afterErase;
      const tombstone = typeof erase === "object" ? erase.tombstoneKey : undefined;
      const written = effectArguments(effects);
      const deleted = await run(() =>
        connection.waymarkDelete(keysOf(id), expectedVersion, tombstone, written),
      );
      if (!deleted) return false;
      await outbox.afterWrite(id, effects);
      // The log is safe aside, without expiry: if this copy fails, the next walk of the
      // outboxes (or a purge) makes it, and the delete, done, still succeeded.
      if (tombstone !== undefined) await outbox.finishTombstone(id).catch(() => undefined);
      return true;
    },
    capabilities: { expiresByItself: true },
    async purgeExpired(now) {
      // Redis expires keys by itself, so servers never call this on a timer; run on demand
      // it deletes flows past their keeping time whose key has its `purgeDelayMs` to go,
      // keys left without a TTL, and keys due by `now` that Redis's own clock has not
      // reached. One SCAN covers flows (with their logs), idempotency keys, and logs a
      // delete left for their tombstones; only flows count.
      const at = now.getTime();
      const purgeKey = async (key: string) => {
        if (key.startsWith(flowPrefix)) {
          const keys = keysOf(key.slice(flowPrefix.length, -1));
          const fields = ["keepUntil", "expiresAt"];
          return run(() => connection.waymarkPurge(keys.record, keys.log, fields, at));
        }
        if (key.startsWith(idempotencyPrefix))
          await run(() => connection.waymarkPurge(key, key, ["keepUntil"], at));
        if (key.startsWith(tombstoningPrefix))
          await outbox.finishTombstone(key.slice(tombstoningPrefix.length, -1));
        return false;
      };
      let purged = 0;
      await forEachKey(`${globEscape(prefix)}*`, async (keys) => {
        const deleted = await Promise.all(keys.map(purgeKey));
        purged += deleted.filter(Boolean).length;
      });
      return purged;
    },
    async scanRecords(cursor, limit) {
      checkBatchLimit(limit);
      const servers = (await run(nodes)).map(({ address, client }) => ({
        address,
        page: (from: string, count: number) =>
          run(() => client.scan(from, { MATCH: flowMatch, TYPE: "hash", COUNT: count })),
      }));
      const walked = await walkKeys(servers, cursor, limit);
      // A flow deleted since SCAN saw it reads as null: it is left out.
      const found = await Promise.all(
        walked.keys.map((key) => run(() => connection.hGet(key, "record"))),
      );
      const records = found.flatMap((json) =>
        json === null ? [] : [JSON.parse(json) as FlowRecord],
      );
      return walked.cursor === undefined ? { records } : { records, cursor: walked.cursor };
    },
    async claimIdempotencyKey(key, claim) {
      return run(() => connection.waymarkClaim(idempotencyKey(key), claim));
    },
    async finishIdempotencyKey(key, token, response) {
      const json = JSON.stringify(response);
      await run(() => connection.waymarkFinish(idempotencyKey(key), token, json));
    },
    async releaseIdempotencyKey(key, token) {
      await run(() => connection.waymarkRelease(idempotencyKey(key), token));
    },
    rateLimitCounter(policy) {
      // Under the store's deadline like every other call: the limiter's own commands are
      // not, and waited for as long as a frozen server stayed frozen.
      return counterOf(async () => {
        const { RateLimiterRedis } = await import("rate-limiter-flexible");
        // One key per client and window, so any Cluster slot will do.
        return new RateLimiterRedis({
          ...limiterOptions(policy, `${prefix}rate:`),
          storeClient: connection,
          useRedisPackage: true,
        });
      }, run);
    },
    async claimWriteLock(id, token, ttlMs) {
      const expiration = { type: "PX", value: ttlMs } as const;
      const reply = await run(() =>
        connection.set(lockKey(id), token, { condition: "NX", expiration }),
      );
      return reply === "OK";
    },
    async releaseWriteLock(id, token) {
      await run(() => connection.waymarkUnlock(lockKey(id), token));
    },
    ...outbox.methods,
    watchFlow: watches.watch,
    ...redisRejections({ connection, run, prefix }),
    async ping() {
      const servers = await run(nodes);
      await Promise.all(servers.map(({ client }) => run(() => client.ping())));
    },
    async close() {
      await watches.close();
      // close() waits for the replies of commands in flight, which a frozen server never
      // sends: give it the command timeout, then drop the connection.
      if (!connection.isOpen) return;
      const closed = connection.close().then(
        () => true,
        () => false,
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, false);
      });
      if (!(await Promise.race([closed, late]))) connection.destroy();
      clearTimeout(timer);
    },
  };
}
