import { describe, expect, it } from "vitest";
import type { FlowRecord } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";
import { hour, sampleRecord } from "./records.ts";

/**
 * Registers the tests of expiry, inside {@link describeStoreConformance}: `purgeExpired`
 * removes a record once its keeping time has passed (`keepUntil`, or `expiresAt` without
 * one), and an expired record still loads until then, on every store.
 */
export function describeExpiry(current: () => FlowStore): void {
  describe("expiry and keeping time", () => {
    it("purges expired records and keeps live ones", async () => {
      const store = current();
      const now = Date.now() + hour;
      const expired = sampleRecord({ expiresAt: now - 1 });
      const expiringNow = sampleRecord({ expiresAt: now });
      const live = sampleRecord({ expiresAt: now + 1 });
      for (const record of [expired, expiringNow, live]) await store.create(record);
      const purged = await store.purgeExpired(new Date(now));
      expect(purged).toBe(2);
      expect(await store.load(expired.id)).toBeUndefined();
      expect(await store.load(expiringNow.id)).toBeUndefined();
      expect(await store.load(live.id)).toEqual(live);
      expect(await store.purgeExpired(new Date(now))).toBe(0);
    });

    it("moves a record's expiry when it is saved", async () => {
      const store = current();
      const now = Date.now() + hour;
      const record = sampleRecord({ expiresAt: now - 1 });
      await store.create(record);
      expect(await store.save({ ...record, version: 2, expiresAt: now + hour }, 1)).toBe(true);
      expect(await store.purgeExpired(new Date(now))).toBe(0);
      expect((await store.load(record.id))?.version).toBe(2);
    });

    it("keeps an expired record until its keeping time, then purges it", async () => {
      const store = current();
      const now = Date.now() + hour;
      const kept = sampleRecord({ expiresAt: now - 1, keepUntil: now + 1 });
      const keptUntilNow = sampleRecord({ expiresAt: now - 2, keepUntil: now });
      // Without a keeping time a record goes at its expiry, as before keepUntil existed.
      const notKept = sampleRecord({ expiresAt: now - 1 });
      for (const record of [kept, keptUntilNow, notKept]) await store.create(record);
      expect(await store.purgeExpired(new Date(now))).toBe(2);
      expect(await store.load(kept.id)).toEqual(kept);
      expect(await store.load(keptUntilNow.id)).toBeUndefined();
      expect(await store.load(notKept.id)).toBeUndefined();
      expect(await store.purgeExpired(new Date(now + 1))).toBe(1);
      expect(await store.load(kept.id)).toBeUndefined();
    });

    it("moves a record's keeping time when it is saved, and drops it with keepUntil", async () => {
      const store = current();
      const now = Date.now() + hour;
      const record = sampleRecord({ expiresAt: now - 2, keepUntil: now - 1 });
      await store.create(record);
      const keptLonger: FlowRecord = { ...record, version: 2, keepUntil: now + hour };
      expect(await store.save(keptLonger, 1)).toBe(true);
      expect(await store.purgeExpired(new Date(now))).toBe(0);
      expect(await store.load(record.id)).toEqual(keptLonger);
      const { keepUntil: _dropped, ...notKept } = keptLonger;
      expect(await store.save({ ...notKept, version: 3 }, 2)).toBe(true);
      expect(await store.purgeExpired(new Date(now))).toBe(1);
    });

    it("loads an expired record while it is kept, on every store", async () => {
      const store = current();
      const record = sampleRecord({ expiresAt: Date.now() + 150, keepUntil: Date.now() + hour });
      await store.create(record);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.load(record.id)).toEqual(record);
    });

    it("loads a record past its keeping time until it is purged, or the backend drops it", async () => {
      const store = current();
      const record = sampleRecord({ expiresAt: Date.now() + 150 });
      await store.create(record);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const loaded = await store.load(record.id);
      // A backend that expires records by itself may drop it any time from now on.
      if (store.capabilities.expiresByItself) expect([undefined, record]).toContainEqual(loaded);
      else expect(loaded).toEqual(record);
    });
  });
}
