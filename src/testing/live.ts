import { describe, expect, it, vi } from "vitest";
import type { FlowStore, FlowWatch } from "../store/types.ts";
import { sampleRecord } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/** How long a write through another handle may take to be signalled: the contract's second. */
const signalledWithinMs = 1_000;
/**
 * How long a test waits, once a witness watch has heard a write, before concluding that
 * another watch heard nothing: longer than a SQLite poll and a pub/sub round trip.
 */
const quietMs = 500;

/** A watch on one flow that counts its signals. */
interface CountedWatch {
  readonly count: number;
  /** Resolves once the count has grown past `before`, or fails after a second. */
  signalled(before?: number): Promise<void>;
  close(): Promise<void>;
}

async function watchCounting(store: FlowStore, id: string): Promise<CountedWatch> {
  let count = 0;
  const watchFlow = store.watchFlow;
  if (!watchFlow) throw new Error("this store cannot watch flows");
  const watch: FlowWatch = await watchFlow.call(store, id, () => {
    count += 1;
  });
  return {
    get count() {
      return count;
    },
    signalled: (before = 0) =>
      vi.waitFor(
        () => {
          expect(count).toBeGreaterThan(before);
        },
        { timeout: signalledWithinMs, interval: 10 },
      ),
    close: () => watch.close(),
  };
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, quietMs));

/**
 * Registers the tests of the optional `watchFlow` (live updates), inside
 * {@link describeStoreConformance}; each is skipped, saying so, for a store without it.
 * Writes through a second handle (`reopen`) stand for another instance's: they must be
 * signalled within a second.
 */
export function describeFlowWatch(current: () => OpenStores): void {
  describe("flow watches", () => {
    /** The current stores, or the test is skipped. */
    function watchable(skip: (note: string) => never): OpenStores {
      const stores = current();
      if (!stores.store.watchFlow) skip("this store cannot watch flows");
      return stores;
    }

    it("signals a save made through the same handle", async ({ skip }) => {
      const { store } = watchable(skip);
      const record = sampleRecord();
      await store.create(record);
      const watch = await watchCounting(store, record.id);
      try {
        expect(await store.save({ ...record, version: 2 }, 1)).toBe(true);
        await watch.signalled();
      } finally {
        await watch.close();
      }
    });

    it("signals, within a second, a save made through another handle", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const record = sampleRecord();
      await store.create(record);
      const watch = await watchCounting(store, record.id);
      try {
        expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
        await watch.signalled();
        // And again: the first signal did not use the watch up.
        const heard = watch.count;
        expect(await other.save({ ...record, version: 3 }, 2)).toBe(true);
        await watch.signalled(heard);
      } finally {
        await watch.close();
        await other.close();
      }
    });

    it("signals the create and the delete of a watched flow", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const record = sampleRecord();
      const watch = await watchCounting(store, record.id);
      try {
        expect(await other.create(record)).toBe(true);
        await watch.signalled();
        const heard = watch.count;
        expect(await other.delete(record.id)).toBe(true);
        await watch.signalled(heard);
      } finally {
        await watch.close();
        await other.close();
      }
    });

    it("does not signal a watch for writes to another flow", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const watched = sampleRecord();
      const written = sampleRecord();
      await store.create(watched);
      const watch = await watchCounting(store, watched.id);
      // The witness hears the writes the watch must not: once it has, they have arrived.
      const witness = await watchCounting(store, written.id);
      try {
        expect(await other.create(written)).toBe(true);
        expect(await store.save({ ...written, version: 2 }, 1)).toBe(true);
        expect(await other.save({ ...written, version: 3 }, 2)).toBe(true);
        await witness.signalled();
        await quiet();
        expect(witness.count).toBeGreaterThan(0);
        expect(watch.count).toBe(0);
      } finally {
        await watch.close();
        await witness.close();
        await other.close();
      }
    });

    it("signals every watch of a flow", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const record = sampleRecord();
      await store.create(record);
      const first = await watchCounting(store, record.id);
      const second = await watchCounting(store, record.id);
      try {
        expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
        await first.signalled();
        await second.signalled();
      } finally {
        await first.close();
        await second.close();
        await other.close();
      }
    });

    it("stops signalling a watch once closed, which is harmless twice", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const record = sampleRecord();
      await store.create(record);
      const closed = await watchCounting(store, record.id);
      const kept = await watchCounting(store, record.id);
      try {
        await closed.close();
        await expect(closed.close()).resolves.toBeUndefined();
        expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
        expect(await store.save({ ...record, version: 3 }, 2)).toBe(true);
        await kept.signalled();
        await quiet();
        expect(closed.count).toBe(0);
        // A new watch on the id after the others closed is heard like the first.
        await kept.close();
        const again = await watchCounting(store, record.id);
        try {
          expect(await other.save({ ...record, version: 4 }, 3)).toBe(true);
          await again.signalled();
        } finally {
          await again.close();
        }
      } finally {
        await kept.close();
        await other.close();
      }
    });

    it("ends the watches of a closed store", async ({ skip }) => {
      const { store, reopen } = watchable(skip);
      const other = await reopen();
      const record = sampleRecord();
      await store.create(record);
      const ended = await watchCounting(other, record.id);
      const witness = await watchCounting(store, record.id);
      try {
        await other.close();
        expect(await store.save({ ...record, version: 2 }, 1)).toBe(true);
        await witness.signalled();
        await quiet();
        expect(ended.count).toBe(0);
        await expect(ended.close()).resolves.toBeUndefined();
      } finally {
        await witness.close();
      }
    });
  });
}
