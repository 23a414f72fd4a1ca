import { describe, expect, it } from "vitest";
import type { FlowEvent } from "../flow/events.ts";
import { type Delivery, deliveryKey } from "../store/types.ts";
import {
  at,
  effectsOf,
  handler,
  hook,
  keys,
  lease,
  listAll,
  outboxOf,
  sealed,
  sortByKey,
  token,
} from "./outbox-helpers.ts";
import { hour, sampleRecord } from "./records.ts";
import type { OpenStores } from "./write-locks.ts";

/**
 * Registers the tests of the outbox's deliveries (`claimDeliveries`, `settleDelivery`,
 * `listDeliveries`, `retryDelivery`), inside {@link describeEventLog}; each is skipped,
 * saying so, for a store without `readEvents`.
 *
 * @example describeDeliveries(() => ({ store, reopen }));
 */
export function describeDeliveries(current: () => OpenStores): void {
  describe("deliveries", () => {
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
      const claim = (now: number) => lease(outbox, token(), now);
      // Different destinations of one flow are independent.
      const holder = token();
      const firstRound = await lease(outbox, holder, at);
      expect(sortByKey(firstRound).map(({ key }) => key)).toEqual(
        [deliveryKey(handler, e1.id), deliveryKey(hook, e0.id)].sort(),
      );
      expect(await claim(at)).toEqual([]);
      expect(await outbox.settle(deliveryKey(hook, e0.id), holder, { state: "delivered" })).toBe(
        true,
      );
      // Delivered, the next one of the flow and destination is due.
      const secondHolder = token();
      const secondRound = await lease(outbox, secondHolder, at + 1);
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
      const thirdRound = await lease(outbox, thirdHolder, at + 10_000);
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
      const claim = (limit: number) => lease(outbox, token(), at, limit);
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
            lease(index % 2 === 0 ? outbox : otherOutbox, `claim ${index}`, at, 4),
          ),
        );
        const claimed = keys(rounds.flat());
        expect(new Set(claimed).size).toBe(claimed.length);
        const last = await lease(outbox, token(), at, 100);
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
      await lease(outbox, first, at);
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
      expect(await lease(outbox, first, at + 4_999)).toEqual([]);
      const second = token();
      expect(await lease(outbox, second, at + 5_000)).toEqual([waiting]);
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
      const [leased] = await lease(outbox, holder, at, 1);
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
      const leased = await lease(outbox, holder, at + 10, 100);
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
      await lease(outbox, holder, at, 1);
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
