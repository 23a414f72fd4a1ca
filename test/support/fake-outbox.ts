import type { FlowEvent } from "../../src/flow/events.ts";
import {
  type Delivery,
  type DeliveryClaim,
  type DeliveryOutcome,
  type DeliveryPage,
  type DeliveryQuery,
  deliveryKey,
} from "../../src/store/types.ts";

/** A delivery as the fake keeps it: with its lease. */
interface Entry extends Delivery {
  leaseToken?: string;
  leaseUntil?: number;
}

/**
 * A fake outbox, in memory, for unit tests of what empties it: the outbox methods of
 * `FlowStore` as their JSDoc in src/store/types.ts describes them, and `add` to put
 * deliveries in as a write would. Not a store: the real backends pass their own tests.
 */
export interface FakeOutbox {
  claimDeliveries(request: DeliveryClaim): Promise<Delivery[]>;
  settleDelivery(key: string, token: string, outcome: DeliveryOutcome): Promise<boolean>;
  listDeliveries(query: DeliveryQuery): Promise<DeliveryPage>;
  retryDelivery(key: string, now: number): Promise<boolean>;
  /** Puts a delivery of `event` to `destination` in the outbox, due at `createdAt`. */
  add(event: FlowEvent, destination: string, fields?: Partial<Delivery>): Delivery;
  /** Every delivery still in the outbox (delivered ones are gone), oldest first. */
  all(): Delivery[];
  /** Every call to `settleDelivery`, in order. */
  settled: { key: string; token: string; outcome: DeliveryOutcome }[];
}

/** A fake outbox whose `dead` settlements are stamped with `now()`. */
export function createFakeOutbox(now: () => number = Date.now): FakeOutbox {
  const entries = new Map<string, Entry>();
  const settled: FakeOutbox["settled"] = [];
  let added = 0;
  const order = new Map<string, number>();
  const oldestFirst = () =>
    [...entries.values()].sort(
      (a, b) => a.createdAt - b.createdAt || (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0),
    );
  const copy = ({ leaseToken: _token, leaseUntil: _until, ...delivery }: Entry): Delivery =>
    structuredClone(delivery);

  return {
    settled,
    add(event, destination, fields = {}) {
      const key = deliveryKey(destination, event.id);
      const entry: Entry = {
        key,
        destination,
        event,
        state: "pending",
        attempts: 0,
        nextAttemptAt: event.at,
        createdAt: event.at,
        ...fields,
      };
      entries.set(key, entry);
      order.set(key, added++);
      return copy(entry);
    },
    all: () => oldestFirst().map(copy),
    async claimDeliveries({ now: at, leaseMs, limit, token }) {
      const firsts = new Map<string, Entry>();
      for (const entry of entries.values()) {
        if (entry.state !== "pending") continue;
        const lane = `${entry.event.flowKey} ${entry.destination}`;
        const first = firsts.get(lane);
        if (!first || comesBefore(entry.event, first.event)) firsts.set(lane, entry);
      }
      const heads = new Set(firsts.values());
      const due = oldestFirst()
        .filter((entry) => heads.has(entry) && entry.nextAttemptAt <= at)
        .filter((entry) => entry.leaseUntil === undefined || entry.leaseUntil <= at)
        .slice(0, limit);
      for (const entry of due) {
        entry.leaseToken = token;
        entry.leaseUntil = at + leaseMs;
      }
      return due.map(copy);
    },
    async settleDelivery(key, token, outcome) {
      settled.push({ key, token, outcome });
      const entry = entries.get(key);
      if (entry?.state !== "pending" || entry.leaseToken !== token) return false;
      delete entry.leaseToken;
      delete entry.leaseUntil;
      if (outcome.state === "delivered") {
        entries.delete(key);
      } else if (outcome.state === "retry") {
        entry.attempts += 1;
        entry.nextAttemptAt = outcome.nextAttemptAt;
        entry.lastError = outcome.error;
      } else {
        entry.attempts += 1;
        entry.state = "dead";
        entry.nextAttemptAt = now();
        entry.lastError = outcome.error;
      }
      return true;
    },
    async listDeliveries({ state, limit, cursor }) {
      const matching = oldestFirst().filter((entry) => entry.state === state);
      const start = cursor === undefined ? 0 : Number(cursor);
      const page = matching.slice(start, start + limit);
      const end = start + page.length;
      return {
        deliveries: page.map(copy),
        ...(end < matching.length ? { cursor: String(end) } : {}),
      };
    },
    async retryDelivery(key, at) {
      const entry = entries.get(key);
      if (entry?.state !== "dead") return false;
      entry.state = "pending";
      entry.attempts = 0;
      entry.nextAttemptAt = at;
      return true;
    },
  };
}

function comesBefore(a: FlowEvent, b: FlowEvent): boolean {
  return a.version < b.version || (a.version === b.version && a.index < b.index);
}

/** An event of flow `flowKey` at `version`/`index`, at `at` (epoch ms). */
export function fakeEvent(
  flowKey: string,
  version: number,
  fields: Partial<FlowEvent> = {},
): FlowEvent {
  const index = fields.index ?? 0;
  return {
    id: `${flowKey}:${version}:${index}`,
    type: "step.submitted",
    flowKey,
    flow: "onboarding",
    definitionVersion: 1,
    version,
    index,
    at: Date.now(),
    step: "personal-info",
    fields: ["/email"],
    ...fields,
  };
}
