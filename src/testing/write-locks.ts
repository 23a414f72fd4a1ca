import { describe, expect, it } from "vitest";
import type { FlowStore } from "../store/types.ts";
import { sampleRecord } from "./records.ts";

/** What the write-lock tests need of the suite's current test: its store and a second handle. */
export interface OpenStores {
  store: FlowStore;
  reopen: () => Promise<FlowStore>;
}

/**
 * Registers the tests of the optional write lock (`claimWriteLock`, `releaseWriteLock`),
 * inside {@link describeStoreConformance}; each is skipped, saying so, for a store
 * without the two methods.
 */
export function describeWriteLocks(current: () => OpenStores): void {
  describe("write locks", () => {
    /** The store's lock methods, or the test is skipped. */
    function locksOf(store: FlowStore, skip: (note: string) => never) {
      const { claimWriteLock, releaseWriteLock } = store;
      if (!claimWriteLock || !releaseWriteLock) skip("this store has no write locks");
      return {
        claim: (id: string, token: string, ttlMs = 10_000) =>
          claimWriteLock.call(store, id, token, ttlMs),
        release: (id: string, token: string) => releaseWriteLock.call(store, id, token),
      };
    }

    it("gives a flow's lock to one holder at a time; only the holder frees it", async ({
      skip,
    }) => {
      const { store } = current();
      const lock = locksOf(store, skip);
      const { id } = sampleRecord();
      expect(await lock.claim(id, "first")).toBe(true);
      expect(await lock.claim(id, "second")).toBe(false);
      expect(await lock.claim(id, "first")).toBe(false);
      await lock.release(id, "second");
      expect(await lock.claim(id, "third")).toBe(false);
      await lock.release(id, "first");
      expect(await lock.claim(id, "second")).toBe(true);
    });

    it("lets a lock lapse at its ttl, so a holder that died holds no one up for long", async ({
      skip,
    }) => {
      const { store } = current();
      const lock = locksOf(store, skip);
      const { id } = sampleRecord();
      expect(await lock.claim(id, "died", 200)).toBe(true);
      expect(await lock.claim(id, "next")).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await lock.claim(id, "next")).toBe(true);
      // The lapsed holder, back late, cannot free the lock its successor holds.
      await lock.release(id, "died");
      expect(await lock.claim(id, "third")).toBe(false);
    });

    it("gives a lock to exactly one of many concurrent claims, across handles", async ({
      skip,
    }) => {
      const { store, reopen } = current();
      const lock = locksOf(store, skip);
      const other = await reopen();
      try {
        const otherLock = locksOf(other, skip);
        const { id } = sampleRecord();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? lock : otherLock).claim(id, `claim ${index}`),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        await otherLock.release(id, `claim ${results.indexOf(true)}`);
        expect(await lock.claim(id, "after")).toBe(true);
      } finally {
        await other.close();
      }
    });

    it("keeps each flow's lock its own, and apart from the record", async ({ skip }) => {
      const { store } = current();
      const lock = locksOf(store, skip);
      const record = sampleRecord();
      const neighbour = sampleRecord();
      await store.create(record);
      expect(await lock.claim(record.id, "holder")).toBe(true);
      expect(await lock.claim(neighbour.id, "holder")).toBe(true);
      // The lock orders writers; the compare-and-set alone decides a save.
      expect(await store.load(record.id)).toEqual(record);
      const next = { ...record, version: 2 };
      expect(await store.save(next, 1)).toBe(true);
      expect(await store.load(record.id)).toEqual(next);
      await lock.release(record.id, "holder");
      expect(await store.delete(record.id, 2)).toBe(true);
    });
  });
}
