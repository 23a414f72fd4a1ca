import { describe, expect, it } from "vitest";
import type { FlowEvent } from "../flow/events.ts";
import { type Delivery, deliveryKey } from "../store/types.ts";
import { describeDeliveries } from "./deliveries.ts";
import {
  effectsOf,
  handler,
  hook,
  listAll,
  outboxOf,
  sealed,
  sortByKey,
} from "./outbox-helpers.ts";
import { hour, sampleRecord } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/**
 * Registers the tests of the optional event log and outbox (`readEvents`,
 * `claimDeliveries`, `settleDelivery`, `listDeliveries`, `retryDelivery`, and the
 * `effects` of `create`, `save` and `delete`), inside {@link describeStoreConformance};
 * each is skipped, saying so, for a store without `readEvents`. A store with it must
 * have all five methods. Claims pass their own `now`, so no test waits on a clock.
 *
 * @example
 * // inside describeStoreConformance, after each test's store is opened:
 * describeEventLog(() => ({ store, reopen }));
 */
export function describeEventLog(current: () => OpenStores): void {
  describe("event log and outbox", () => {
    it("writes a create's events to the log and its deliveries to the outbox", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const events = sealed(record, [{ type: "flow.started" }]);
      expect(await store.create(record, effectsOf(events, [hook, handler]))).toBe(true);
      expect(await outbox.readEvents(record.id)).toEqual(events);
      const [event] = events as [FlowEvent];
      const pending = (destination: string): Delivery => ({
        key: deliveryKey(destination, event.id),
        destination,
        event,
        state: "pending",
        attempts: 0,
        nextAttemptAt: event.at,
        createdAt: event.at,
      });
      const listed = await listAll(outbox, "pending");
      expect(sortByKey(listed)).toEqual(sortByKey([pending(hook), pending(handler)]));
      expect(await listAll(outbox, "dead")).toEqual([]);
    });

    it("writes nothing of a create that finds its id taken", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      expect(await store.create(record)).toBe(true);
      const events = sealed(record, [{ type: "flow.started" }]);
      expect(await store.create(record, effectsOf(events, [hook]))).toBe(false);
      expect(await outbox.readEvents(record.id)).toEqual([]);
      expect(await listAll(outbox, "pending")).toEqual([]);
    });

    it("refuses effects whose delivery names an event the write does not have", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const events = sealed(record, [{ type: "flow.started" }]);
      const effects = { events, deliveries: [{ eventId: `${record.id}:1:7`, destination: hook }] };
      await expect(store.create(record, effects)).rejects.toThrow(TypeError);
      expect(await store.load(record.id)).toBeUndefined();
      expect(await outbox.readEvents(record.id)).toEqual([]);
      expect(await listAll(outbox, "pending")).toEqual([]);
    });

    it("writes nothing of a save that loses its compare-and-set", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const started = sealed(record, [{ type: "flow.started" }]);
      await store.create(record, effectsOf(started, [hook]));
      const next = { ...record, version: 2 };
      const won = sealed(next, [{ type: "step.submitted", step: "personal-info", fields: [] }]);
      expect(await store.save(next, 1, effectsOf(won, [hook]))).toBe(true);
      const lost = sealed(next, [{ type: "step.submitted", step: "review", fields: ["/a"] }]);
      expect(await store.save(next, 1, effectsOf(lost, [handler]))).toBe(false);
      expect(await outbox.readEvents(record.id)).toEqual([...started, ...won]);
      expect(sortByKey(await listAll(outbox, "pending")).map(({ event }) => event)).toEqual([
        ...started,
        ...won,
      ]);
    });

    it("keeps only the events and deliveries of the one concurrent save that wins", async ({
      skip,
    }) => {
      const { store, reopen } = current();
      const outbox = outboxOf(store, skip);
      const other = await reopen();
      try {
        const record = sampleRecord();
        await store.create(record);
        const next = { ...record, version: 2 };
        const writes = Array.from({ length: 12 }, (_, index) =>
          sealed(next, [
            { type: "step.submitted", step: `writer-${index}` },
            { type: "step.reset", step: "review" },
          ]),
        );
        const results = await Promise.all(
          writes.map((events, index) =>
            (index % 2 === 0 ? store : other).save(
              next,
              1,
              effectsOf(events, [`webhook:https://example.com/${index}`]),
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await outbox.readEvents(record.id)).toEqual(writes[winner]);
        const listed = await listAll(outbox, "pending");
        expect(listed.map((delivery) => delivery.destination)).toEqual([
          `webhook:https://example.com/${winner}`,
          `webhook:https://example.com/${winner}`,
        ]);
      } finally {
        await other.close();
      }
    });

    it("writes nothing of a delete at a stale version, or of an unknown flow", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord({ version: 3 });
      const events = sealed(record, [{ type: "flow.started" }]);
      await store.create(record, effectsOf(events, []));
      const deleted = sealed(record, [{ type: "flow.deleted" }], 4);
      expect(await store.delete(record.id, 2, effectsOf(deleted, [hook]))).toBe(false);
      expect(await outbox.readEvents(record.id)).toEqual(events);
      const unknown = sampleRecord();
      const gone = sealed(unknown, [{ type: "flow.deleted" }], 2);
      expect(await store.delete(unknown.id, undefined, effectsOf(gone, [hook]))).toBe(false);
      expect(await outbox.readEvents(unknown.id)).toEqual([]);
      expect(await listAll(outbox, "pending")).toEqual([]);
    });

    it("reads a flow's events oldest first (by version, then index), exactly as given", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      // Versions and indexes past 9, so that an order by text would show.
      const record = sampleRecord({ version: 9 });
      const neighbour = sampleRecord();
      const first = sealed(
        record,
        Array.from({ length: 12 }, (_, index) => ({
          type: "step.submitted" as const,
          step: `step-${index}`,
          fields: [`/field~1${index}`, "/名前"],
        })),
      );
      await store.create(record, effectsOf([...first].reverse(), []));
      await store.create(neighbour, effectsOf(sealed(neighbour, [{ type: "flow.started" }]), []));
      const next = { ...record, version: 10 };
      const second = sealed(next, [
        { type: "flow.migrated", fromVersion: 1, steps: ["personal-info", "review"] },
        { type: "step.skipped", step: "company-details" },
        { type: "flow.completed" },
      ]);
      const shuffled = [...second.slice(2), ...second.slice(0, 2)];
      expect(await store.save(next, 9, effectsOf(shuffled, []))).toBe(true);
      expect(await outbox.readEvents(record.id)).toEqual([...first, ...second]);
      expect(await outbox.readEvents(crypto.randomUUID())).toEqual([]);
    });

    it("never keeps one event or one delivery twice", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const [started] = sealed(record, [{ type: "flow.started" }]) as [FlowEvent];
      const delivery = { eventId: started.id, destination: hook };
      await store.create(record, { events: [started, started], deliveries: [delivery, delivery] });
      // A write that repeats an earlier event and delivery (a retried write, say).
      const next = { ...record, version: 2 };
      const [submitted] = sealed(next, [{ type: "step.submitted", step: "review" }]) as [FlowEvent];
      expect(
        await store.save(next, 1, {
          events: [started, submitted],
          deliveries: [
            { eventId: started.id, destination: hook },
            { eventId: submitted.id, destination: hook },
          ],
        }),
      ).toBe(true);
      expect(await outbox.readEvents(record.id)).toEqual([started, submitted]);
      expect(sortByKey(await listAll(outbox, "pending")).map(({ key }) => key)).toEqual(
        [deliveryKey(hook, started.id), deliveryKey(hook, submitted.id)].sort(),
      );
    });

    it("erases the log with the record, yet keeps the delete's deliveries", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const erased = sampleRecord();
      const plain = sampleRecord();
      for (const record of [erased, plain]) {
        await store.create(record, effectsOf(sealed(record, [{ type: "flow.started" }]), []));
      }
      const deleted = sealed(erased, [{ type: "flow.deleted" }], 2);
      expect(
        await store.delete(erased.id, 1, { ...effectsOf(deleted, [hook]), afterErase: "erase" }),
      ).toBe(true);
      expect(await store.delete(plain.id)).toBe(true);
      expect(await outbox.readEvents(erased.id)).toEqual([]);
      expect(await outbox.readEvents(plain.id)).toEqual([]);
      const listed = await listAll(outbox, "pending");
      expect(listed.map(({ key, event }) => ({ key, event }))).toEqual([
        { key: deliveryKey(hook, `${erased.id}:2:0`), event: deleted[0] },
      ]);
    });

    it("keeps the log under a tombstone key when the delete asks for one", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const started = sealed(record, [{ type: "flow.started" }]);
      await store.create(record, effectsOf(started, []));
      const next = { ...record, version: 2 };
      const submitted = sealed(next, [{ type: "step.submitted", step: "review", fields: ["/x"] }]);
      await store.save(next, 1, effectsOf(submitted, []));
      const deleted = sealed(next, [{ type: "flow.deleted" }], 3);
      const tombstoneKey = `tombstone-${crypto.randomUUID()}`;
      expect(
        await store.delete(record.id, 2, {
          ...effectsOf(deleted, [hook]),
          afterErase: { tombstoneKey },
        }),
      ).toBe(true);
      expect(await outbox.readEvents(record.id)).toEqual([]);
      // The delete's own events are part of the log it leaves.
      expect(await outbox.readEvents(tombstoneKey)).toEqual(
        [...started, ...submitted, ...deleted].map((event) => ({
          ...event,
          flowKey: tombstoneKey,
          id: `${tombstoneKey}:${event.version}:${event.index}`,
        })),
      );
      // The outbox delivers the event as it was written.
      const listed = await listAll(outbox, "pending");
      expect(listed.map(({ event }) => event)).toEqual(deleted);
    });

    it("erases the logs of the records a purge removes; their deliveries stay", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const now = Date.now() + hour;
      const expired = sampleRecord({ expiresAt: now - 1 });
      const live = sampleRecord({ expiresAt: now + 1 });
      const logs = new Map<string, FlowEvent[]>();
      for (const record of [expired, live]) {
        const events = sealed(record, [{ type: "flow.started" }]);
        logs.set(record.id, events);
        await store.create(record, effectsOf(events, [hook]));
      }
      expect(await store.purgeExpired(new Date(now))).toBe(1);
      expect(await outbox.readEvents(expired.id)).toEqual([]);
      expect(await outbox.readEvents(live.id)).toEqual(logs.get(live.id));
      expect(await listAll(outbox, "pending")).toHaveLength(2);
    });

    describeDeliveries(current);
  });
}
