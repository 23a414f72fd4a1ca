import { describe, expect, it } from "vitest";
import type { FlowRecord } from "../flow/types.ts";
import type { FlowStore, RecordBatch } from "../store/types.ts";
import { hour, sampleRecord } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/**
 * Registers the tests of the optional `scanRecords`, inside
 * {@link describeStoreConformance}; each is skipped, saying so, for a store without it.
 */
export function describeRecordScans(current: () => OpenStores): void {
  describe("record scans", () => {
    type Scan = (cursor: string | undefined, limit: number) => Promise<RecordBatch>;

    /** The store's `scanRecords`, or the test is skipped. */
    function scanOf(store: FlowStore, skip: (note: string) => never): Scan {
      const { scanRecords } = store;
      if (!scanRecords) skip("this store does not list its records");
      return (cursor, limit) => scanRecords.call(store, cursor, limit);
    }

    /** Every batch of a walk, from the first to the one without a cursor. */
    async function walk(scans: Scan[], limit: number): Promise<RecordBatch[]> {
      const batches: RecordBatch[] = [];
      let cursor: string | undefined;
      do {
        const scan = scans[batches.length % scans.length] as Scan;
        const batch = await scan(cursor, limit);
        expect(batch.records.length).toBeLessThanOrEqual(limit);
        batches.push(batch);
        cursor = batch.cursor;
        if (batches.length > 1_000) throw new Error("the walk does not end");
      } while (cursor !== undefined);
      return batches;
    }

    const byId = (records: readonly FlowRecord[]) =>
      [...records].sort((a, b) => (a.id < b.id ? -1 : 1));

    it("hands out every record exactly once, expired ones too, a batch at a time", async ({
      skip,
    }) => {
      const { store } = current();
      const scan = scanOf(store, skip);
      const records = Array.from({ length: 25 }, (_, index) =>
        sampleRecord(
          index % 3 === 0 ? { expiresAt: Date.now() - 1_000, keepUntil: Date.now() + hour } : {},
        ),
      );
      for (const record of records) await store.create(record);
      const batches = await walk([scan], 7);
      expect(batches.length).toBeGreaterThanOrEqual(4);
      expect(byId(batches.flatMap((batch) => batch.records))).toEqual(byId(records));
    });

    it("gives an empty store one empty batch, without a cursor", async ({ skip }) => {
      const { store } = current();
      const scan = scanOf(store, skip);
      expect(await scan(undefined, 10)).toEqual({ records: [] });
    });

    it("leaves out a record deleted before the walk", async ({ skip }) => {
      const { store } = current();
      const scan = scanOf(store, skip);
      const records = [sampleRecord(), sampleRecord(), sampleRecord()];
      for (const record of records) await store.create(record);
      const [first, deleted, last] = records as [FlowRecord, FlowRecord, FlowRecord];
      expect(await store.delete(deleted.id)).toBe(true);
      const batches = await walk([scan], 2);
      expect(byId(batches.flatMap((batch) => batch.records))).toEqual(byId([first, last]));
    });

    it("carries on a walk on another handle from the cursor", async ({ skip }) => {
      const { store, reopen } = current();
      const scan = scanOf(store, skip);
      const other = await reopen();
      try {
        const records = Array.from({ length: 9 }, () => sampleRecord());
        for (const record of records) await store.create(record);
        const batches = await walk([scan, scanOf(other, skip)], 2);
        expect(byId(batches.flatMap((batch) => batch.records))).toEqual(byId(records));
      } finally {
        await other.close();
      }
    });
  });
}
