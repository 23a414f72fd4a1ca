import { describe, expect, it } from "vitest";
import type { FlowStore, RejectionCount, StepRejection } from "../store/types.ts";
import { hour } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/**
 * Registers the tests of the optional rejected-field counts (`countRejection`,
 * `readRejections`), inside {@link describeStoreConformance}; each is skipped, saying so,
 * for a store without them. The counts are timed a few days back from now, since a
 * backend may drop them (Redis key expiry) once 90 days old.
 */
export function describeRejections(current: () => OpenStores): void {
  describe("rejected-field counts", () => {
    type Counts = {
      count: (rejection: StepRejection) => Promise<void>;
      read: (flow: string, since: number, until: number) => Promise<RejectionCount[]>;
    };

    /** The store's count methods, or the test is skipped. */
    function countsOf(store: FlowStore, skip: (note: string) => never): Counts {
      const { countRejection, readRejections } = store;
      if (!countRejection || !readRejections) skip("this store keeps no rejection counts");
      return {
        count: (rejection) => countRejection.call(store, rejection),
        read: (flow, since, until) => readRejections.call(store, { flow, since, until }),
      };
    }

    /** The start of the hour three days ago: recent enough for every backend to keep. */
    const base = () => Math.floor((Date.now() - 72 * hour) / hour) * hour;
    const sorted = (counts: readonly RejectionCount[]) =>
      [...counts].sort((a, b) =>
        JSON.stringify([a.definitionVersion, a.step, a.field]) <
        JSON.stringify([b.definitionVersion, b.step, b.field])
          ? -1
          : 1,
      );
    const rejection = (at: number, fields: string[], extra: Partial<StepRejection> = {}) => ({
      flow: "onboarding",
      definitionVersion: 1,
      step: "personal-info",
      fields,
      at,
      ...extra,
    });

    it("counts each field of a rejection, summed over the hours of the window", async ({
      skip,
    }) => {
      const { store } = current();
      const counts = countsOf(store, skip);
      const at = base();
      await counts.count(rejection(at + 5, ["/email", "/dateOfBirth"]));
      await counts.count(rejection(at + hour - 1, ["/email"]));
      await counts.count(rejection(at + 2 * hour + 10, ["/email", "/*"]));
      expect(sorted(await counts.read("onboarding", at, at + 3 * hour))).toEqual([
        { definitionVersion: 1, step: "personal-info", field: "/*", count: 1 },
        { definitionVersion: 1, step: "personal-info", field: "/dateOfBirth", count: 1 },
        { definitionVersion: 1, step: "personal-info", field: "/email", count: 3 },
      ]);
    });

    it("keeps flows, versions and steps apart", async ({ skip }) => {
      const { store } = current();
      const counts = countsOf(store, skip);
      const at = base();
      await counts.count(rejection(at, ["/email"]));
      await counts.count(rejection(at, ["/email"], { definitionVersion: 2 }));
      await counts.count(rejection(at, ["/email"], { step: "review" }));
      await counts.count(rejection(at, ["/email"], { flow: "signup" }));
      expect(sorted(await counts.read("onboarding", at, at + hour))).toEqual([
        { definitionVersion: 1, step: "personal-info", field: "/email", count: 1 },
        { definitionVersion: 1, step: "review", field: "/email", count: 1 },
        { definitionVersion: 2, step: "personal-info", field: "/email", count: 1 },
      ]);
      expect(await counts.read("signup", at, at + hour)).toEqual([
        { definitionVersion: 1, step: "personal-info", field: "/email", count: 1 },
      ]);
      expect(await counts.read("checkout", at, at + hour)).toEqual([]);
    });

    it("reads the hours from the one holding since up to, not including, the one holding until", async ({
      skip,
    }) => {
      const { store } = current();
      const counts = countsOf(store, skip);
      const at = base();
      for (const offset of [0, 1, 2, 3]) {
        await counts.count(rejection(at + offset * hour + 30 * 60_000, [`/hour${offset}`]));
      }
      const fields = async (since: number, until: number) =>
        sorted(await counts.read("onboarding", since, until)).map(({ field }) => field);
      expect(await fields(at + hour + 59 * 60_000, at + 3 * hour)).toEqual(["/hour1", "/hour2"]);
      expect(await fields(at + hour, at + 3 * hour + 1)).toEqual(["/hour1", "/hour2"]);
      expect(await fields(at + hour, at + hour + 1)).toEqual([]);
    });

    it("counts a field named twice in one rejection once", async ({ skip }) => {
      const { store } = current();
      const counts = countsOf(store, skip);
      const at = base();
      await counts.count(rejection(at, ["/*", "/*", "/email"]));
      expect(sorted(await counts.read("onboarding", at, at + hour))).toEqual([
        { definitionVersion: 1, step: "personal-info", field: "/*", count: 1 },
        { definitionVersion: 1, step: "personal-info", field: "/email", count: 1 },
      ]);
    });

    it("loses no count among concurrent ones from two handles", async ({ skip }) => {
      const { store, reopen } = current();
      const counts = countsOf(store, skip);
      const other = await reopen();
      try {
        const otherCounts = countsOf(other, skip);
        const at = base();
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? counts : otherCounts).count(rejection(at + index, ["/email"])),
          ),
        );
        expect(await otherCounts.read("onboarding", at, at + hour)).toEqual([
          { definitionVersion: 1, step: "personal-info", field: "/email", count: 20 },
        ]);
      } finally {
        await other.close();
      }
    });

    it("keeps counts through a purge for at least 90 days", async ({ skip }) => {
      const { store } = current();
      const counts = countsOf(store, skip);
      const at = base();
      await counts.count(rejection(at, ["/email"]));
      await store.purgeExpired(new Date(at + 89 * 24 * hour));
      expect(await counts.read("onboarding", at, at + hour)).toEqual([
        { definitionVersion: 1, step: "personal-info", field: "/email", count: 1 },
      ]);
    });
  });
}
