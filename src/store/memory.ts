import { WaymarkError } from "../errors.ts";
import type { FlowRecord } from "../flow/types.ts";
import { checkBatchLimit } from "./batch-limit.ts";
import { outboxEntries } from "./effects.ts";
import { keepingTime } from "./keeping-time.ts";
import * as outboxes from "./memory-outbox.ts";
import { rejectedFields, rejectionHour } from "./rejections.ts";
import type { FlowStore, RejectionCount, StoredResponse } from "./types.ts";
import { newWatches, type Watches, watchOf } from "./watches.ts";

/**
 * Options of {@link createMemoryStore}.
 *
 * @example { shareWith: firstStore }
 */
export interface MemoryStoreOptions {
  /**
   * Another memory store whose records and idempotency keys this one uses, as two servers
   * share one database: a second handle in the same process, closed on its own. Leave it
   * out for a new, empty store.
   */
  shareWith?: FlowStore | undefined;
}

/** An idempotency key as kept: a claim, and once finished, its response. */
interface KeyEntry {
  fingerprint: string;
  token: string;
  flowId: string;
  /** Epoch milliseconds; 0 once released, so the next claim takes over at once. */
  leaseUntil: number;
  keepUntil: number;
  response?: StoredResponse;
}

/** A flow's write lock: who holds it, and until when (epoch milliseconds). */
interface WriteLock {
  token: string;
  until: number;
}

/** What handles on the same data share. */
interface MemoryData {
  readonly flows: Map<string, FlowRecord>;
  readonly keys: Map<string, KeyEntry>;
  readonly locks: Map<string, WriteLock>;
  readonly outbox: outboxes.MemoryOutbox;
  /** The watches of each flow id: every handle's writes signal them. */
  readonly watches: Watches;
  /** Rejected-field counts under `{flow} {hour} {definitionVersion} {step} {field}`. */
  readonly rejections: Map<string, number>;
}

/** The data behind each memory store, so `shareWith` finds it without exposing it. */
const dataOf = new WeakMap<FlowStore, MemoryData>();

/**
 * A store that keeps flows in this process's memory, in a `Map`. Records and responses
 * are copied in and out as JSON, as the other stores keep them, so changing an object after saving it, or
 * one that `load` returned, never changes what is stored. It keeps every store contract
 * (compare-and-set, create once, versioned delete, purge by keeping time, batches of
 * records in id order, idempotency leases, the event log and outbox written with each
 * record) and passes the conformance suite; after
 * `close` every call rejects with `store-unavailable`.
 *
 * It is not shared between processes, and nothing survives a restart: it does not give
 * Waymark's "any instance serves any request". Use it for tests, demos and
 * single-process development; serve real traffic from SQLite, PostgreSQL or Redis.
 *
 * @example
 * const store = createMemoryStore();
 * const waymark = createWaymark({ flows: [onboarding], store });
 * @example
 * // Two handles on the same data, as two instances on one database would have.
 * const first = createMemoryStore();
 * const second = createMemoryStore({ shareWith: first });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): FlowStore {
  const data = options.shareWith === undefined ? newData() : dataOf.get(options.shareWith);
  if (data === undefined)
    throw new TypeError("shareWith must be a store made by createMemoryStore");
  const { flows, keys, locks, outbox, watches, rejections } = data;
  let closed = false;
  /** This handle's watches, ended with it. */
  const ownWatches = new Set<() => boolean>();
  // Every method body runs without awaiting, so each one is atomic: concurrent calls
  // interleave only between operations, as they would on a real backend.
  const open = () => {
    if (closed) throw new WaymarkError("store-unavailable", "The memory store is closed");
  };

  const store: FlowStore = {
    capabilities: { expiresByItself: false },
    async create(record, effects) {
      open();
      const deliveries = outboxEntries(effects);
      if (flows.has(record.id)) return false;
      flows.set(record.id, copy(record));
      outboxes.writeEffects(outbox, effects?.events ?? [], deliveries);
      watches.signal(record.id);
      return true;
    },
    async load(id) {
      open();
      const record = flows.get(id);
      return record === undefined ? undefined : copy(record);
    },
    async save(record, expectedVersion, effects) {
      open();
      const deliveries = outboxEntries(effects);
      if (flows.get(record.id)?.version !== expectedVersion) return false;
      flows.set(record.id, copy(record));
      outboxes.writeEffects(outbox, effects?.events ?? [], deliveries);
      watches.signal(record.id);
      return true;
    },
    async delete(id, expectedVersion, effects) {
      open();
      const deliveries = outboxEntries(effects);
      const record = flows.get(id);
      if (record === undefined) return false;
      if (expectedVersion !== undefined && record.version !== expectedVersion) return false;
      flows.delete(id);
      // The delete's events join the log before it goes, so a tombstone keeps them too.
      outboxes.writeEffects(outbox, effects?.events ?? [], deliveries);
      outboxes.eraseLog(outbox, id, effects);
      watches.signal(id);
      return true;
    },
    async purgeExpired(now) {
      open();
      const at = now.getTime();
      for (const [key, entry] of keys) if (entry.keepUntil <= at) keys.delete(key);
      // Locks lapse on the real clock, whatever `now` says.
      const clock = Date.now();
      for (const [id, lock] of locks) if (lock.until <= clock) locks.delete(id);
      let purged = 0;
      for (const [id, record] of flows) {
        if (keepingTime(record) <= at) {
          flows.delete(id);
          outboxes.eraseLog(outbox, id);
          purged += 1;
        }
      }
      return purged;
    },
    async scanRecords(cursor, limit) {
      open();
      checkBatchLimit(limit);
      // The cursor is the last id handed out: ids after it, in order, are the rest.
      const rest = [...flows]
        .filter(([id]) => cursor === undefined || id > cursor)
        .sort(([a], [b]) => (a < b ? -1 : 1));
      const records = rest.slice(0, limit).map(([, record]) => copy(record));
      return rest.length > limit ? { records, cursor: records.at(-1)?.id } : { records };
    },
    async claimIdempotencyKey(key, claim) {
      open();
      const entry = keys.get(key);
      if (entry === undefined || entry.keepUntil <= claim.now) {
        const { fingerprint, token, flowId, leaseUntil, keepUntil } = claim;
        keys.set(key, { fingerprint, token, flowId, leaseUntil, keepUntil });
        return { claimed: true, flowId };
      }
      const unfinished = entry.response === undefined;
      if (entry.fingerprint === claim.fingerprint && unfinished && entry.leaseUntil <= claim.now) {
        entry.token = claim.token;
        entry.leaseUntil = claim.leaseUntil;
        return { claimed: true, flowId: entry.flowId };
      }
      const { fingerprint, response, leaseUntil } = entry;
      return {
        claimed: false,
        entry:
          response === undefined
            ? { fingerprint, leaseUntil }
            : { fingerprint, response: copy(response) },
      };
    },
    async finishIdempotencyKey(key, token, response) {
      open();
      const entry = keys.get(key);
      if (entry?.token !== token || entry.response !== undefined) return;
      entry.response = copy(response);
      entry.leaseUntil = 0;
    },
    async releaseIdempotencyKey(key, token) {
      open();
      const entry = keys.get(key);
      if (entry?.token !== token || entry.response !== undefined) return;
      entry.leaseUntil = 0;
    },
    async claimWriteLock(id, token, ttlMs) {
      open();
      const at = Date.now();
      if ((locks.get(id)?.until ?? 0) > at) return false;
      locks.set(id, { token, until: at + ttlMs });
      return true;
    },
    async releaseWriteLock(id, token) {
      open();
      if (locks.get(id)?.token === token) locks.delete(id);
    },
    async readEvents(id) {
      open();
      return outboxes.readEvents(outbox, id);
    },
    async claimDeliveries(request) {
      open();
      return outboxes.claimDeliveries(outbox, request);
    },
    async settleDelivery(key, token, outcome) {
      open();
      return outboxes.settleDelivery(outbox, key, token, outcome);
    },
    async listDeliveries(query) {
      open();
      return outboxes.listDeliveries(outbox, query);
    },
    async retryDelivery(key, now) {
      open();
      return outboxes.retryDelivery(outbox, key, now);
    },
    async watchFlow(id, onChange) {
      open();
      const { close } = watches.add(id, onChange);
      ownWatches.add(close);
      return watchOf(() => {
        ownWatches.delete(close);
        close();
        return undefined;
      });
    },
    async countRejection({ flow, definitionVersion, step, fields, at }) {
      open();
      const hour = rejectionHour(at);
      for (const field of rejectedFields({ fields })) {
        const key = JSON.stringify([flow, hour, definitionVersion, step, field]);
        rejections.set(key, (rejections.get(key) ?? 0) + 1);
      }
    },
    async readRejections({ flow, since, until }) {
      open();
      const [from, to] = [rejectionHour(since), rejectionHour(until)];
      const sums = new Map<string, RejectionCount>();
      for (const [key, count] of rejections) {
        const [name, hour, definitionVersion, step, field] = JSON.parse(key) as RejectionKey;
        if (name !== flow || hour < from || hour >= to) continue;
        const sum = JSON.stringify([definitionVersion, step, field]);
        const found = sums.get(sum) ?? { definitionVersion, step, field, count: 0 };
        found.count += count;
        sums.set(sum, found);
      }
      return [...sums.values()];
    },
    async ping() {
      open();
    },
    async close() {
      closed = true;
      for (const close of ownWatches) close();
      ownWatches.clear();
    },
  };
  dataOf.set(store, data);
  return store;
}

function newData(): MemoryData {
  return {
    flows: new Map(),
    keys: new Map(),
    locks: new Map(),
    outbox: outboxes.newMemoryOutbox(),
    watches: newWatches(),
    rejections: new Map(),
  };
}

/** A rejected-field count's key, parsed: flow, hour since the epoch, version, step, field. */
type RejectionKey = [string, number, number, string, string];

/** A deep copy through JSON, as every other store keeps records: nothing non-JSON survives. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
