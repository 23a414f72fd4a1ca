import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FlowStore } from "../store/types.ts";
import { describeEventLog } from "./events.ts";
import { describeExpiry } from "./expiry.ts";
import { describeRecordScans } from "./record-scans.ts";
import { hour, sampleRecord } from "./records.ts";
import { describeRejections } from "./rejections.ts";
import { describeWriteLocks } from "./write-locks.ts";

/**
 * Opens stores for {@link describeStoreConformance}: `open` is called before every test
 * and gives a real, empty store (`store`), a way to open a second handle on the same data
 * (`reopen`, as a second server would; the suite closes the handles it opens this way),
 * and `cleanup`, called after the test to close `store` and drop its data (a temporary
 * file, database or key prefix).
 *
 * @example
 * const factory: StoreFactory = {
 *   async open() {
 *     const url = await createEmptyDatabase();
 *     const store = await createMyStore({ url });
 *     return {
 *       store,
 *       reopen: () => createMyStore({ url }),
 *       cleanup: async () => {
 *         await store.close();
 *         await dropDatabase(url);
 *       },
 *     };
 *   },
 * };
 */
export interface StoreFactory {
  open(): Promise<{
    store: FlowStore;
    reopen: () => Promise<FlowStore>;
    cleanup: () => Promise<void>;
  }>;
}

/**
 * Registers, with vitest, every behaviour a {@link FlowStore} must have: create once,
 * load, compare-and-set save (one winner among concurrent writers, across handles),
 * delete at an expected version, purge of records past their keeping time (`keepUntil`,
 * else `expiresAt`) and of idempotency keys, expired records loading until then, the
 * idempotency claim, finish and release rules with their leases, the optional record
 * scans, write locks, event log with its outbox, and rejected-field counts (skipped for a store without them),
 * large and unicode records, `ping`, and calls after `close` rejecting. It uses the store only through
 * `FlowStore`, so it checks any backend; call it at the top level of a vitest test file,
 * once per backend (or configuration), with a factory for real, empty stores.
 *
 * @example
 * // test/my-store.test.ts
 * import { describeStoreConformance } from "waymark/testing";
 *
 * describeStoreConformance("My store", {
 *   async open() {
 *     const prefix = `test:${crypto.randomUUID()}:`;
 *     const store = await createMyStore({ url: process.env.MY_STORE_URL, prefix });
 *     return {
 *       store,
 *       reopen: () => createMyStore({ url: process.env.MY_STORE_URL, prefix }),
 *       cleanup: () => store.close(),
 *     };
 *   },
 * });
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store conformance`, () => {
    let store: FlowStore;
    let reopen: () => Promise<FlowStore>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, reopen, cleanup } = await factory.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it("creates and loads a record exactly as given", async () => {
      const record = sampleRecord({ data: { "personal-info": { firstName: "Ada" } } });
      await store.create(record);
      expect(await store.load(record.id)).toEqual(record);
    });

    it("keeps what a flow's access mode needs, and saves it with the record", async () => {
      const record = sampleRecord({
        access: { secretHash: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg" },
      });
      await store.create(record);
      expect(await store.load(record.id)).toEqual(record);
      const bound = { ...record, version: 2, access: { subject: "user-42" } };
      expect(await store.save(bound, 1)).toBe(true);
      expect(await store.load(record.id)).toEqual(bound);
    });

    it("creates a record only once: a second create with its id writes nothing", async () => {
      const record = sampleRecord();
      expect(await store.create(record)).toBe(true);
      expect(await store.create({ ...record, version: 9 })).toBe(false);
      expect(await store.load(record.id)).toEqual(record);
    });

    it("loads nothing for an unknown id", async () => {
      expect(await store.load(crypto.randomUUID())).toBeUndefined();
    });

    it("saves when the expected version matches, and refuses a stale one", async () => {
      const record = sampleRecord();
      await store.create(record);
      const next = { ...record, version: 2, data: { review: { acceptTerms: true } } };
      expect(await store.save(next, 1)).toBe(true);
      expect(await store.save({ ...record, version: 2 }, 1)).toBe(false);
      expect(await store.load(record.id)).toEqual(next);
    });

    it("refuses to save a record that does not exist", async () => {
      const record = sampleRecord();
      expect(await store.save({ ...record, version: 2 }, 1)).toBe(false);
      expect(await store.load(record.id)).toBeUndefined();
    });

    it("lets exactly one of many concurrent compare-and-sets win", async () => {
      const record = sampleRecord();
      await store.create(record);
      const other = await reopen();
      try {
        const attempts = Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? store : other).save(
            { ...record, version: 2, data: { "contract-details": { role: `writer ${index}` } } },
            1,
          ),
        );
        const results = await Promise.all(attempts);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        const saved = await other.load(record.id);
        expect(saved?.version).toBe(2);
        expect(saved?.data["contract-details"]?.role).toBe(`writer ${winner}`);
      } finally {
        await other.close();
      }
    });

    it("shares records between two handles on the same data", async () => {
      const other = await reopen();
      try {
        const record = sampleRecord();
        await store.create(record);
        expect(await other.load(record.id)).toEqual(record);
        expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
        expect((await store.load(record.id))?.version).toBe(2);
      } finally {
        await other.close();
      }
    });

    it("deletes a record, and says whether there was one", async () => {
      const record = sampleRecord();
      await store.create(record);
      expect(await store.delete(record.id)).toBe(true);
      expect(await store.load(record.id)).toBeUndefined();
      expect(await store.delete(record.id)).toBe(false);
    });

    it("deletes only at the expected version when one is given", async () => {
      const record = sampleRecord({ version: 3 });
      await store.create(record);
      expect(await store.delete(record.id, 2)).toBe(false);
      expect(await store.load(record.id)).toEqual(record);
      expect(await store.delete(record.id, 3)).toBe(true);
      expect(await store.load(record.id)).toBeUndefined();
    });

    it("keeps large and unicode records intact", async () => {
      const text = 'Zoë 🧭 Ñandú — 東京 \u2028 \t "quoted" \\ back';
      const record = sampleRecord({
        data: {
          "personal-info": { firstName: text, lastName: "x".repeat(60_000) },
          "company-details": { companyName: "🏢".repeat(1_000), vatId: "DE123456789" },
        },
      });
      await store.create(record);
      expect(await store.load(record.id)).toEqual(record);
    });

    describeExpiry(() => store);
    describeRecordScans(() => ({ store, reopen }));
    describeWriteLocks(() => ({ store, reopen }));
    describeEventLog(() => ({ store, reopen }));
    describeRejections(() => ({ store, reopen }));

    describe("idempotency keys", () => {
      const at = Date.now();
      const claim = (fingerprint: string, now = at) => ({
        fingerprint,
        token: crypto.randomUUID(),
        flowId: crypto.randomUUID(),
        now,
        leaseUntil: now + 60_000,
        keepUntil: now + 24 * hour,
      });
      const response = { status: 201, headers: { location: "/onboarding/x" }, body: '{"a":"é"}' };

      it("claims a new key, then reports it in flight, then replays its response", async () => {
        const first = claim("fp");
        expect(await store.claimIdempotencyKey("k1", first)).toEqual({
          claimed: true,
          flowId: first.flowId,
        });
        // An unfinished entry tells how long its claim holds: the server's Retry-After.
        expect(await store.claimIdempotencyKey("k1", claim("fp"))).toEqual({
          claimed: false,
          entry: { fingerprint: "fp", leaseUntil: first.leaseUntil },
        });
        await store.finishIdempotencyKey("k1", first.token, response);
        expect(await store.claimIdempotencyKey("k1", claim("fp"))).toEqual({
          claimed: false,
          entry: { fingerprint: "fp", response },
        });
      });

      it("reports the first fingerprint to a claim with another one, changing nothing", async () => {
        const first = claim("first");
        await store.claimIdempotencyKey("k2", first);
        expect(await store.claimIdempotencyKey("k2", claim("second"))).toEqual({
          claimed: false,
          entry: { fingerprint: "first", leaseUntil: first.leaseUntil },
        });
        // Not even once the lease is over: the key belongs to the first request.
        const later = claim("second", at + 60_001);
        expect(await store.claimIdempotencyKey("k2", later)).toMatchObject({ claimed: false });
        await store.finishIdempotencyKey("k2", first.token, response);
        expect(await store.claimIdempotencyKey("k2", claim("second"))).toEqual({
          claimed: false,
          entry: { fingerprint: "first", response },
        });
      });

      it("hands a released claim's flow id to the retry, at once", async () => {
        const first = claim("fp");
        await store.claimIdempotencyKey("k3", first);
        await store.releaseIdempotencyKey("k3", first.token);
        expect(await store.claimIdempotencyKey("k3", claim("fp"))).toEqual({
          claimed: true,
          flowId: first.flowId,
        });
      });

      it("hands a claim whose lease ran out, and its flow id, to the next one", async () => {
        const first = claim("fp");
        await store.claimIdempotencyKey("k4", first);
        const retry = claim("fp", at + 60_001);
        expect(await store.claimIdempotencyKey("k4", retry)).toEqual({
          claimed: true,
          flowId: first.flowId,
        });
        // The first holder lost the claim: its finish is ignored, the new holder's counts.
        await store.finishIdempotencyKey("k4", first.token, { ...response, status: 500 });
        await store.releaseIdempotencyKey("k4", first.token);
        expect(await store.claimIdempotencyKey("k4", claim("fp", at + 60_002))).toEqual({
          claimed: false,
          entry: { fingerprint: "fp", leaseUntil: retry.leaseUntil },
        });
        await store.finishIdempotencyKey("k4", retry.token, response);
        expect(await store.claimIdempotencyKey("k4", claim("fp"))).toEqual({
          claimed: false,
          entry: { fingerprint: "fp", response },
        });
      });

      it("keeps a finished key until its keeping time, then lets it go", async () => {
        const first = claim("fp");
        await store.claimIdempotencyKey("k5", first);
        await store.finishIdempotencyKey("k5", first.token, response);
        const almost = claim("fp", at + 24 * hour - 1);
        expect(await store.claimIdempotencyKey("k5", almost)).toMatchObject({ claimed: false });
        await store.purgeExpired(new Date(at + 24 * hour));
        const after = claim("fp", at + 24 * hour);
        expect(await store.claimIdempotencyKey("k5", after)).toEqual({
          claimed: true,
          flowId: after.flowId,
        });
      });

      it("purges keys past their keeping time", async () => {
        const first = claim("fp");
        await store.claimIdempotencyKey("k7", first);
        await store.finishIdempotencyKey("k7", first.token, response);
        await store.purgeExpired(new Date(at + 24 * hour));
        // Asked as of before the keeping time ran out: only a purged key is free again.
        const probe = claim("another request");
        expect(await store.claimIdempotencyKey("k7", probe)).toEqual({
          claimed: true,
          flowId: probe.flowId,
        });
      });

      it("gives a key to exactly one of many concurrent claims", async () => {
        const other = await reopen();
        try {
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, index) =>
              (index % 2 === 0 ? store : other).claimIdempotencyKey("k6", claim(`fp${index}`)),
            ),
          );
          expect(results.filter((result) => result.claimed)).toHaveLength(1);
          const winner = `fp${results.findIndex((result) => result.claimed)}`;
          for (const result of results) {
            if (!result.claimed) expect(result.entry.fingerprint).toBe(winner);
          }
        } finally {
          await other.close();
        }
      });
    });

    it("closes cleanly: later calls reject rather than hang, and the data stays", async () => {
      const record = sampleRecord();
      await store.create(record);
      const other = await reopen();
      await other.close();
      await expect(other.load(record.id)).rejects.toThrow();
      expect(await store.load(record.id)).toEqual(record);
    });

    it("declares its capabilities", () => {
      expect(typeof store.capabilities.expiresByItself).toBe("boolean");
    });

    it("answers ping while open", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
