import { describe, expect, it } from "vitest";
import { type EventDraft, type FlowEvent, sealEvents } from "../flow/events.ts";
import type { FlowRecord } from "../flow/types.ts";
import {
  type Delivery,
  type DeliveryClaim,
  type DeliveryOutcome,
  type DeliveryPage,
  type DeliveryQuery,
  deliveryKey,
  type FlowStore,
  type WriteEffects,
} from "../store/types.ts";
import { hour, sampleRecord } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/** The time of the suite's writes, in epoch milliseconds; claims pass their own `now`. */
const at = Date.UTC(2026, 0, 1, 12);
const hook = "webhook:https://example.com/hooks";
const handler = "handler:onComplete";

/** The optional event log and outbox of a store, bound to it. */
interface Outbox {
  readEvents(id: string): Promise<FlowEvent[]>;
  claim(request: DeliveryClaim): Promise<Delivery[]>;
  settle(key: string, token: string, outcome: DeliveryOutcome): Promise<boolean>;
  list(query: DeliveryQuery): Promise<DeliveryPage>;
  retry(key: string, now: number): Promise<boolean>;
}

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
    /** The store's log and outbox methods, or the test is skipped. */
    function outboxOf(store: FlowStore, skip: (note: string) => never): Outbox {
      const { readEvents, claimDeliveries, settleDelivery, listDeliveries, retryDelivery } = store;
      if (!readEvents) skip("this store keeps no event log");
      if (!claimDeliveries || !settleDelivery || !listDeliveries || !retryDelivery) {
        throw new Error("a store with readEvents needs every outbox method too");
      }
      return {
        readEvents: (id) => readEvents.call(store, id),
        claim: (request) => claimDeliveries.call(store, request),
        settle: (key, token, outcome) => settleDelivery.call(store, key, token, outcome),
        list: (query) => listDeliveries.call(store, query),
        retry: (key, now) => retryDelivery.call(store, key, now),
      };
    }

    /** Every delivery in `state`, walking the pages `limit` at a time. */
    async function listAll(outbox: Outbox, state: Delivery["state"], limit = 100) {
      const deliveries: Delivery[] = [];
      let cursor: string | undefined;
      for (let pages = 0; ; pages++) {
        if (pages > 1_000) throw new Error("the listing does not end");
        const page = await outbox.list({ state, limit, cursor });
        expect(page.deliveries.length).toBeLessThanOrEqual(limit);
        deliveries.push(...page.deliveries);
        cursor = page.cursor;
        if (cursor === undefined) return deliveries;
      }
    }

    const keys = (deliveries: readonly Delivery[]) => deliveries.map((delivery) => delivery.key);
    const token = () => crypto.randomUUID();

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

    it("claims a new delivery from its event's time on: pending, no attempts yet", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const [event] = sealed(record, [{ type: "flow.started" }]) as [FlowEvent];
      await store.create(record, effectsOf([event], [hook]));
      const claim = { leaseMs: 30_000, limit: 10, token: token() };
      expect(await outbox.claim({ ...claim, now: at - 1 })).toEqual([]);
      expect(await outbox.claim({ ...claim, now: at })).toEqual([
        {
          key: deliveryKey(hook, event.id),
          destination: hook,
          event,
          state: "pending",
          attempts: 0,
          nextAttemptAt: at,
          createdAt: at,
        },
      ]);
    });

    it("leases a delivery: no other claim gets it until the lease has passed", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      await store.create(record, effectsOf(sealed(record, [{ type: "flow.started" }]), [hook]));
      const first = token();
      const second = token();
      const claim = (holder: string, now: number) =>
        outbox.claim({ now, leaseMs: 1_000, limit: 10, token: holder });
      const [leased] = (await claim(first, at)) as [Delivery];
      expect(leased).toBeDefined();
      expect(await claim(second, at + 999)).toEqual([]);
      expect(await claim(first, at + 999)).toEqual([]);
      // Its deliverer died: once the lease has passed, another claim gets it.
      expect(keys(await claim(second, at + 1_000))).toEqual([leased.key]);
      expect(await outbox.settle(leased.key, first, { state: "delivered" })).toBe(false);
      expect(await listAll(outbox, "pending")).toHaveLength(1);
      expect(await outbox.settle(leased.key, second, { state: "delivered" })).toBe(true);
      expect(await listAll(outbox, "pending")).toEqual([]);
    });

    it("hands one flow's deliveries to a destination in order, each after the one before", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord({ version: 9 });
      const [e0, e1] = sealed(record, [
        { type: "flow.started" },
        { type: "step.submitted", step: "personal-info" },
      ]) as [FlowEvent, FlowEvent];
      // Given in reverse: the outbox orders by version and index, not by arrival.
      await store.create(record, {
        events: [e0, e1],
        deliveries: [
          { eventId: e1.id, destination: hook },
          { eventId: e0.id, destination: hook },
          { eventId: e1.id, destination: handler },
        ],
      });
      const next = { ...record, version: 10 };
      const [e2] = sealed(next, [{ type: "flow.completed" }]) as [FlowEvent];
      await store.save(next, 9, effectsOf([e2], [hook]));
      const claim = (now: number) =>
        outbox.claim({ now, leaseMs: 60_000, limit: 10, token: token() });
      // Different destinations of one flow are independent.
      const holder = token();
      const firstRound = await outbox.claim({ now: at, leaseMs: 60_000, limit: 10, token: holder });
      expect(sortByKey(firstRound).map(({ key }) => key)).toEqual(
        [deliveryKey(handler, e1.id), deliveryKey(hook, e0.id)].sort(),
      );
      expect(await claim(at)).toEqual([]);
      expect(await outbox.settle(deliveryKey(hook, e0.id), holder, { state: "delivered" })).toBe(
        true,
      );
      // Delivered, the next one of the flow and destination is due.
      const secondHolder = token();
      const secondRound = await outbox.claim({
        now: at + 1,
        leaseMs: 60_000,
        limit: 10,
        token: secondHolder,
      });
      expect(keys(secondRound)).toEqual([deliveryKey(hook, e1.id)]);
      // Put back for later, it still holds the ones after it back.
      expect(
        await outbox.settle(deliveryKey(hook, e1.id), secondHolder, {
          state: "retry",
          nextAttemptAt: at + 10_000,
          error: "HTTP 503",
        }),
      ).toBe(true);
      expect(await claim(at + 2)).toEqual([]);
      const thirdHolder = token();
      const thirdRound = await outbox.claim({
        now: at + 10_000,
        leaseMs: 60_000,
        limit: 10,
        token: thirdHolder,
      });
      expect(keys(thirdRound)).toEqual([deliveryKey(hook, e1.id)]);
      // A dead one does not hold back the ones after it.
      expect(
        await outbox.settle(deliveryKey(hook, e1.id), thirdHolder, {
          state: "dead",
          error: "HTTP 410",
        }),
      ).toBe(true);
      expect(keys(await claim(at + 10_000))).toEqual([deliveryKey(hook, e2.id)]);
    });

    it("claims no more than the limit, and each delivery once", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      for (let index = 0; index < 5; index++) {
        const record = sampleRecord();
        await store.create(record, effectsOf(sealed(record, [{ type: "flow.started" }]), [hook]));
      }
      const claim = (limit: number) =>
        outbox.claim({ now: at, leaseMs: 60_000, limit, token: token() });
      const first = await claim(2);
      expect(first).toHaveLength(2);
      const rest = await claim(10);
      expect(rest).toHaveLength(3);
      expect(new Set(keys([...first, ...rest])).size).toBe(5);
      expect(await claim(10)).toEqual([]);
    });

    it("never leases one delivery to two concurrent claims, across handles", async ({ skip }) => {
      const { store, reopen } = current();
      const outbox = outboxOf(store, skip);
      const other = await reopen();
      try {
        const otherOutbox = outboxOf(other, skip);
        const destinations = [hook, handler, "webhook:https://example.org/other"];
        for (let index = 0; index < 10; index++) {
          const record = sampleRecord();
          const events = sealed(record, [{ type: "flow.started" }]);
          await store.create(record, effectsOf(events, destinations));
        }
        const rounds = await Promise.all(
          Array.from({ length: 12 }, (_, index) =>
            (index % 2 === 0 ? outbox : otherOutbox).claim({
              now: at,
              leaseMs: 60_000,
              limit: 4,
              token: `claim ${index}`,
            }),
          ),
        );
        const claimed = keys(rounds.flat());
        expect(new Set(claimed).size).toBe(claimed.length);
        const last = await outbox.claim({ now: at, leaseMs: 60_000, limit: 100, token: token() });
        const all = [...claimed, ...keys(last)];
        expect(new Set(all).size).toBe(all.length);
        expect(all).toHaveLength(30);
      } finally {
        await other.close();
      }
    });

    it("settles a delivery only with the token that holds its lease", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const [event] = sealed(record, [{ type: "flow.started" }]) as [FlowEvent];
      await store.create(record, effectsOf([event], [hook]));
      const key = deliveryKey(hook, event.id);
      const first = token();
      await outbox.claim({ now: at, leaseMs: 60_000, limit: 10, token: first });
      expect(await outbox.settle(key, "another", { state: "delivered" })).toBe(false);
      expect(await outbox.settle("unknown key", first, { state: "delivered" })).toBe(false);
      const retry = { state: "retry", nextAttemptAt: at + 5_000, error: "HTTP 503" } as const;
      expect(await outbox.settle(key, first, retry)).toBe(true);
      const waiting: Delivery = {
        key,
        destination: hook,
        event,
        state: "pending",
        attempts: 1,
        nextAttemptAt: at + 5_000,
        createdAt: at,
        lastError: "HTTP 503",
      };
      expect(await listAll(outbox, "pending")).toEqual([waiting]);
      // The retry freed the lease: the token holds nothing now.
      expect(await outbox.settle(key, first, { state: "delivered" })).toBe(false);
      expect(
        await outbox.claim({ now: at + 4_999, leaseMs: 60_000, limit: 10, token: first }),
      ).toEqual([]);
      const second = token();
      expect(
        await outbox.claim({ now: at + 5_000, leaseMs: 60_000, limit: 10, token: second }),
      ).toEqual([waiting]);
      expect(await outbox.settle(key, first, { state: "dead", error: "stale" })).toBe(false);
      expect(await outbox.settle(key, second, { state: "dead", error: "HTTP 410" })).toBe(true);
      expect(await listAll(outbox, "pending")).toEqual([]);
      // A dead delivery keeps the time of its last attempt.
      const dead: Delivery = { ...waiting, state: "dead", attempts: 2, lastError: "HTTP 410" };
      expect(await listAll(outbox, "dead")).toEqual([dead]);
      expect(await outbox.settle(key, second, { state: "delivered" })).toBe(false);
      expect(await listAll(outbox, "dead")).toEqual([dead]);
    });

    it("removes a delivered one from the outbox", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      await store.create(record, effectsOf(sealed(record, [{ type: "flow.started" }]), [hook]));
      const holder = token();
      const [leased] = await outbox.claim({ now: at, leaseMs: 60_000, limit: 1, token: holder });
      expect(await outbox.settle(leased?.key ?? "", holder, { state: "delivered" })).toBe(true);
      expect(await listAll(outbox, "pending")).toEqual([]);
      expect(await listAll(outbox, "dead")).toEqual([]);
      expect(await outbox.claim({ now: at + hour, leaseMs: 1, limit: 1, token: token() })).toEqual(
        [],
      );
    });

    it("lists deliveries by state, oldest first (then by key), a page at a time", async ({
      skip,
    }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      expect(await outbox.list({ state: "dead", limit: 10 })).toEqual({ deliveries: [] });
      const offsets = [4, 1, 3, 2, 2, 0, 5];
      for (const offset of offsets) {
        const record = sampleRecord();
        const events = sealed(record, [{ type: "flow.started" }], record.version, at + offset);
        await store.create(record, effectsOf(events, [hook, handler]));
      }
      // Kill the handler's deliveries of the flows written at odd offsets.
      const holder = token();
      const leased = await outbox.claim({
        now: at + 10,
        leaseMs: 60_000,
        limit: 100,
        token: holder,
      });
      expect(leased).toHaveLength(offsets.length * 2);
      const doomed = leased.filter(
        ({ destination, createdAt }) => destination === handler && (createdAt - at) % 2 === 1,
      );
      for (const { key } of doomed) {
        expect(await outbox.settle(key, holder, { state: "dead", error: "HTTP 404" })).toBe(true);
      }
      const oldestFirst = (deliveries: readonly Delivery[]) =>
        [...deliveries].sort((a, b) =>
          a.createdAt !== b.createdAt ? a.createdAt - b.createdAt : a.key < b.key ? -1 : 1,
        );
      const pending = leased.filter((delivery) => !doomed.includes(delivery));
      for (const limit of [1, 3, 100]) {
        expect(keys(await listAll(outbox, "pending", limit))).toEqual(keys(oldestFirst(pending)));
        expect(keys(await listAll(outbox, "dead", limit))).toEqual(keys(oldestFirst(doomed)));
      }
    });

    it("puts a dead delivery back to pending, due at once with no attempts", async ({ skip }) => {
      const { store } = current();
      const outbox = outboxOf(store, skip);
      const record = sampleRecord();
      const [event] = sealed(record, [{ type: "flow.started" }]) as [FlowEvent];
      await store.create(record, effectsOf([event], [hook]));
      const key = deliveryKey(hook, event.id);
      expect(await outbox.retry(key, at)).toBe(false);
      expect(await outbox.retry("unknown key", at)).toBe(false);
      const holder = token();
      await outbox.claim({ now: at, leaseMs: 60_000, limit: 1, token: holder });
      await outbox.settle(key, holder, { state: "dead", error: "HTTP 404" });
      expect(await outbox.retry(key, at + hour)).toBe(true);
      expect(await listAll(outbox, "dead")).toEqual([]);
      // The last error stays until the next attempt settles.
      const revived: Delivery = {
        key,
        destination: hook,
        event,
        state: "pending",
        attempts: 0,
        nextAttemptAt: at + hour,
        createdAt: at,
        lastError: "HTTP 404",
      };
      expect(await listAll(outbox, "pending")).toEqual([revived]);
      expect(await outbox.retry(key, at + hour)).toBe(false);
      expect(
        await outbox.claim({ now: at + hour - 1, leaseMs: 1, limit: 1, token: token() }),
      ).toEqual([]);
      expect(await outbox.claim({ now: at + hour, leaseMs: 1, limit: 1, token: token() })).toEqual([
        revived,
      ]);
    });
  });
}

/** Events of a write of `record` at the suite's time (or `time`), at `version`. */
function sealed(
  record: FlowRecord,
  drafts: readonly EventDraft[],
  version = record.version,
  time = at,
): FlowEvent[] {
  return sealEvents(record, drafts, new Date(time), version);
}

/** The effects of a write: `events`, each delivered to every one of `destinations`. */
function effectsOf(events: readonly FlowEvent[], destinations: readonly string[]): WriteEffects {
  return {
    events,
    deliveries: events.flatMap((event) =>
      destinations.map((destination) => ({ eventId: event.id, destination })),
    ),
  };
}

function sortByKey(deliveries: readonly Delivery[]): Delivery[] {
  return [...deliveries].sort((a, b) => (a.key < b.key ? -1 : 1));
}
