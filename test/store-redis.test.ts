import { createClient } from "redis";
import { describe, expect, inject, it } from "vitest";
import { describeStoreConformance, hour, sampleRecord } from "waymark/testing";
import type { FlowRecord } from "../src/flow/types.ts";
import { createRedisStore, type RedisStoreOptions } from "../src/store/redis.ts";

/** A store on its own key prefix, so tests sharing the run's servers never meet. */
function factory(connection: () => RedisStoreOptions) {
  return {
    async open() {
      const options = { ...connection(), prefix: `test:${crypto.randomUUID()}:` };
      const store = await createRedisStore(options);
      return {
        store,
        reopen: () => createRedisStore(options),
        cleanup: () => store.close(),
      };
    },
  };
}

const clusterNodes = () =>
  inject("redisClusterNodes")
    .split(",")
    .map((node) => `redis://${node}`);

describeStoreConformance(
  "Redis",
  factory(() => ({ url: inject("redisUrl") })),
);

describeStoreConformance(
  "Redis Cluster",
  factory(() => ({ clusterNodes: clusterNodes() })),
);

/** A plain client on the run's Redis server, to look at the keys a store wrote. */
async function rawClient() {
  const client = createClient({ url: inject("redisUrl") });
  await client.connect();
  return client;
}

describe("Redis key expiry", () => {
  /** A store on a prefix of its own, and a plain client to look at its keys. */
  async function withStore(
    options: Partial<RedisStoreOptions>,
    test: (
      store: Awaited<ReturnType<typeof createRedisStore>>,
      raw: Awaited<ReturnType<typeof rawClient>>,
      keyOf: (id: string) => string,
    ) => Promise<void>,
  ) {
    const prefix = `test:${crypto.randomUUID()}:`;
    const store = await createRedisStore({ url: inject("redisUrl"), prefix, ...options });
    const raw = await rawClient();
    try {
      await test(store, raw, (id) => `${prefix}flow:{${id}}`);
    } finally {
      await raw.close();
      await store.close();
    }
  }

  it("keeps a flow's key until its keeping time and a minute more, moved by each save", async () => {
    await withStore({}, async (store, raw, keyOf) => {
      const at = Date.now();
      const kept = sampleRecord({ expiresAt: at + hour, keepUntil: at + 3 * hour });
      const notKept = sampleRecord({ expiresAt: at + hour });
      await store.create(kept);
      await store.create(notKept);
      const ttlNear = async (id: string, dropAt: number) => {
        const ttl = await raw.pTTL(keyOf(id));
        expect(ttl).toBeLessThanOrEqual(dropAt - at);
        expect(ttl).toBeGreaterThan(dropAt - Date.now() - 1_000);
      };
      await ttlNear(kept.id, kept.expiresAt + 2 * hour + 60_000);
      await ttlNear(notKept.id, notKept.expiresAt + 60_000);
      expect(await store.save({ ...kept, version: 2, keepUntil: at + 5 * hour }, 1)).toBe(true);
      await ttlNear(kept.id, at + 5 * hour + 60_000);
    });
  });

  it("lets Redis drop the key by itself purgeDelayMs after the keeping time, not before", async () => {
    const purgeDelayMs = 300;
    await withStore({ purgeDelayMs }, async (store, raw, keyOf) => {
      const at = Date.now();
      const record = sampleRecord({ expiresAt: at + 50, keepUntil: at + 300 });
      await store.create(record);
      const dropAt = at + 300 + purgeDelayMs;
      // Past its expiry and its keeping time, the flow still loads until its key goes.
      await new Promise((resolve) => setTimeout(resolve, 400 - (Date.now() - at)));
      expect(await store.load(record.id)).toEqual(record);
      let goneAt: number | undefined;
      while (goneAt === undefined && Date.now() < dropAt + 2_000) {
        if ((await raw.exists(keyOf(record.id))) === 0) goneAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(goneAt).toBeGreaterThanOrEqual(dropAt);
      expect(await store.load(record.id)).toBeUndefined();
    });
  });

  it("purges by keepUntil, and by expiresAt a hash written before keepUntil was kept", async () => {
    await withStore({}, async (store, raw, keyOf) => {
      const now = Date.now() + hour;
      const kept = sampleRecord({ expiresAt: now - 1, keepUntil: now + 1 });
      await store.create(kept);
      // As the store wrote flows before: no keepUntil field, the key expiring at expiresAt.
      const old: FlowRecord = sampleRecord({ expiresAt: now - 1 });
      const oldKey = keyOf(old.id);
      await raw.hSet(oldKey, {
        version: String(old.version),
        expiresAt: String(old.expiresAt),
        record: JSON.stringify(old),
      });
      await raw.pExpireAt(oldKey, old.expiresAt);
      expect(await store.purgeExpired(new Date(now))).toBe(1);
      expect(await store.load(old.id)).toBeUndefined();
      expect(await store.load(kept.id)).toEqual(kept);
      expect(await store.purgeExpired(new Date(now + 1))).toBe(1);
    });
  });

  it("keeps an hour's refused-field counts in one hash that expires 90 days after the hour", async () => {
    await withStore({}, async (store, raw, keyOf) => {
      const prefix = keyOf("").slice(0, -"flow:{}".length);
      const at = Date.now();
      const hour = Math.floor(at / 3_600_000);
      await store.countRejection?.({
        flow: "onboarding",
        definitionVersion: 1,
        step: "review",
        fields: ["/acceptTerms"],
        at,
      });
      expect(await raw.keys(`${prefix}*`)).toEqual([`${prefix}rejections:onboarding:${hour}`]);
      const key = `${prefix}rejections:onboarding:${hour}`;
      expect(await raw.hGetAll(key)).toEqual({ '[1,"review","/acceptTerms"]': "1" });
      const expireAt = (await raw.pExpireTime(key)) as number;
      expect(expireAt).toBe((hour + 1) * 3_600_000 + 90 * 86_400_000);
    });
  });

  it("refuses a purgeDelayMs that is not a whole number of milliseconds", async () => {
    for (const purgeDelayMs of [-1, 1.5, Number.NaN]) {
      await expect(createRedisStore({ url: inject("redisUrl"), purgeDelayMs })).rejects.toThrow(
        RangeError,
      );
    }
  });
});

describe("Redis record scans", () => {
  // Guards the batch limit when one SCAN page finds more flows than the batch has room
  // for: an empty database, where each page is a few hash buckets, makes that common.
  it.each([
    ["Redis", () => ({ url: `${inject("redisUrl")}/7` })],
    ["Redis Cluster", () => ({ clusterNodes: clusterNodes() })],
  ])("on %s, hands out batches of one, each record once", async (_, connection) => {
    const store = await createRedisStore({
      ...connection(),
      prefix: `test:${crypto.randomUUID()}:`,
    });
    try {
      if (!store.scanRecords) throw new Error("the Redis store lists its records");
      const records = Array.from({ length: 60 }, () => sampleRecord());
      for (const record of records) await store.create(record);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const batch = await store.scanRecords(cursor, 1);
        expect(batch.records.length).toBeLessThanOrEqual(1);
        seen.push(...batch.records.map((record) => record.id));
        cursor = batch.cursor;
      } while (cursor !== undefined);
      expect(seen.sort()).toEqual(records.map((record) => record.id).sort());
      for (const record of records) await store.delete(record.id);
    } finally {
      await store.close();
    }
  });

  it("refuses a cursor it did not make", async () => {
    const store = await createRedisStore({ url: inject("redisUrl") });
    try {
      await expect(store.scanRecords?.("not-a-cursor", 10)).rejects.toThrow(TypeError);
    } finally {
      await store.close();
    }
  });
});
