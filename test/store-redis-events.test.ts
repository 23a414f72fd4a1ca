import { createClient, createCluster } from "redis";
import { describe, expect, inject, it } from "vitest";
import { hour, sampleRecord } from "waymark/testing";
import { type FlowEvent, sealEvents } from "../src/flow/events.ts";
import type { FlowRecord } from "../src/flow/types.ts";
import { createRedisStore, type RedisStoreOptions } from "../src/store/redis.ts";
import type { FlowStore, WriteEffects } from "../src/store/types.ts";

// What the conformance suite cannot see from outside the store: the keys Redis keeps
// for a flow's log and outbox, their expiry, and how claims find outboxes whose index
// update was lost, or a tombstone whose copy was cut short, on Redis and Redis Cluster.

const hook = "webhook:https://example.com/hooks";

const clusterNodes = () =>
  inject("redisClusterNodes")
    .split(",")
    .map((node) => `redis://${node}`);

/** The commands these tests send past the store, on a server or a Cluster alike. */
interface RawClient {
  pTTL(key: string): Promise<number>;
  exists(key: string): Promise<number>;
  del(key: string): Promise<number>;
  rename(key: string, to: string): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<number>;
  close(): Promise<void>;
}

const servers: Array<[string, () => RedisStoreOptions, () => Promise<RawClient>]> = [
  [
    "Redis",
    () => ({ url: inject("redisUrl") }),
    async () => createClient({ url: inject("redisUrl") }).connect(),
  ],
  [
    "Redis Cluster",
    () => ({ clusterNodes: clusterNodes() }),
    async () => createCluster({ rootNodes: clusterNodes().map((url) => ({ url })) }).connect(),
  ],
];

/** A store on a prefix of its own, a plain client, and the prefix to name keys with. */
async function withStore(
  connection: () => RedisStoreOptions,
  open: () => Promise<RawClient>,
  options: Partial<RedisStoreOptions>,
  test: (store: FlowStore, raw: RawClient, prefix: string) => Promise<void>,
) {
  const prefix = `test:${crypto.randomUUID()}:`;
  const store = await createRedisStore({ ...connection(), prefix, ...options });
  const raw = await open();
  try {
    await test(store, raw, prefix);
  } finally {
    await raw.close();
    await store.close();
  }
}

/** A write's effects: `types` sealed as the events of `record`'s version, each sent to the hook. */
function effectsOf(record: FlowRecord, types: FlowEvent["type"][]): WriteEffects {
  const events = sealEvents(
    record,
    types.map((type) => ({ type })),
    new Date(),
  );
  return { events, deliveries: events.map(({ id }) => ({ eventId: id, destination: hook })) };
}

const claimNow = (store: FlowStore) =>
  store.claimDeliveries?.({ now: Date.now(), leaseMs: 30_000, limit: 10, token: "t" }) ?? [];

describe.each(servers)("%s event log and outbox keys", (_, connection, open) => {
  it("gives the log the record's expiry, and the outbox none, kept past the record", async () => {
    await withStore(connection, open, {}, async (store, raw, prefix) => {
      const at = Date.now();
      const record = sampleRecord({ expiresAt: at + hour, keepUntil: at + 3 * hour });
      await store.create(record, effectsOf(record, ["flow.started"]));
      const ttl = await raw.pTTL(`${prefix}events:{${record.id}}`);
      expect(Math.abs(ttl - (await raw.pTTL(`${prefix}flow:{${record.id}}`)))).toBeLessThan(1_000);
      expect(ttl).toBeGreaterThan(3 * hour);
      expect(await raw.pTTL(`${prefix}outbox:{${record.id}}`)).toBe(-1);

      const next = { ...record, version: 2, keepUntil: at + 5 * hour };
      await store.save(next, 1);
      expect(await raw.pTTL(`${prefix}events:{${record.id}}`)).toBeGreaterThan(5 * hour - 1_000);

      // The record and its log gone by expiry: the outbox stays until it is empty.
      await raw.del(`${prefix}flow:{${record.id}}`);
      await raw.del(`${prefix}events:{${record.id}}`);
      const [delivery] = await claimNow(store);
      expect(delivery?.event.type).toBe("flow.started");
      expect(await store.settleDelivery?.(delivery?.key ?? "", "t", { state: "delivered" })).toBe(
        true,
      );
      expect(await raw.exists(`${prefix}outbox:{${record.id}}`)).toBe(0);
    });
  });

  it("keeps a tombstone's log without expiry", async () => {
    await withStore(connection, open, {}, async (store, raw, prefix) => {
      const record = sampleRecord();
      await store.create(record, effectsOf(record, ["flow.started"]));
      const tombstoneKey = `tomb-${crypto.randomUUID()}`;
      expect(
        await store.delete(record.id, 1, {
          events: [],
          deliveries: [],
          afterErase: { tombstoneKey },
        }),
      ).toBe(true);
      expect((await store.readEvents?.(tombstoneKey))?.map(({ id }) => id)).toEqual([
        `${tombstoneKey}:1:0`,
      ]);
      expect(await raw.pTTL(`${prefix}events:{${tombstoneKey}}`)).toBe(-1);
      expect(await raw.exists(`${prefix}outbox:tombstone:{${record.id}}`)).toBe(0);
    });
  });
});

describe.each(servers)("%s claims without the index", (_, connection, open) => {
  // Guards the walk of the keyspace: the index is written after the write, apart from it,
  // and a crash in between must delay the delivery, not lose it.
  it("finds an outbox the index lost, on the first claim and then once per interval", async () => {
    const outboxScanIntervalMs = 400;
    await withStore(connection, open, { outboxScanIntervalMs }, async (store, raw, prefix) => {
      const first = sampleRecord();
      await store.create(first, effectsOf(first, ["flow.started"]));
      await raw.del(`${prefix}{outbox-due}`);
      const claimed = await claimNow(store);
      expect(claimed.map(({ event }) => event.flowKey)).toEqual([first.id]);

      const second = sampleRecord();
      await store.create(second, effectsOf(second, ["flow.started"]));
      await raw.del(`${prefix}{outbox-due}`);
      expect(await claimNow(store)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, outboxScanIntervalMs));
      expect((await claimNow(store)).map(({ event }) => event.flowKey)).toEqual([second.id]);
    });
  });

  it("finishes a tombstone whose copy a crash cut short, once, on a claim or a purge", async () => {
    await withStore(connection, open, {}, async (store, raw, prefix) => {
      for (const finish of [claimNow, (s: FlowStore) => s.purgeExpired(new Date())]) {
        const record = sampleRecord();
        const tombstoneKey = `tomb-${crypto.randomUUID()}`;
        await store.create(record, effectsOf(record, ["flow.started"]));
        // Where the delete's script leaves things before the copy: the log set aside.
        const aside = `${prefix}outbox:tombstone:{${record.id}}`;
        await raw.rename(`${prefix}events:{${record.id}}`, aside);
        await raw.hSet(aside, "tombstone", tombstoneKey);
        await raw.del(`${prefix}flow:{${record.id}}`);
        await finish(store);
        await finish(store);
        expect((await store.readEvents?.(tombstoneKey))?.map(({ id }) => id)).toEqual([
          `${tombstoneKey}:1:0`,
        ]);
        expect(await raw.exists(aside)).toBe(0);
      }
    });
  });
});
