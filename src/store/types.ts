import type { FlowEvent } from "../flow/events.ts";
import type { FlowRecord } from "../flow/types.ts";

/**
 * Where flow records live between requests, keyed by `record.id`. Small on purpose:
 * every backend (SQLite, PostgreSQL, Redis, memory) implements these methods and passes
 * one conformance suite (`waymark/testing`). Token mode is not a store: there the flow
 * id carries the record itself (see `waymark/token`).
 *
 * A step write costs one `load` and one `save`. Failures to reach the backend throw a
 * `WaymarkError` with code `store-unavailable`. `claimWriteLock` and `releaseWriteLock`
 * are optional: give both or neither.
 *
 * @example
 * const record = await store.load(id);
 * if (record && (await store.save({ ...record, version: record.version + 1 }, record.version))) {
 *   // this write won the compare-and-set
 * }
 */
export interface FlowStore {
  /** What this backend does differently from the others, declared once. */
  readonly capabilities: StoreCapabilities;
  /**
   * Inserts a new record; false, writing nothing, when a record with its id exists (a
   * retried create under an idempotency key reuses the id it was first given).
   */
  create(record: FlowRecord, effects?: WriteEffects): Promise<boolean>;
  /** The record with this id, expired or not, or undefined once deleted or purged. */
  load(id: string): Promise<FlowRecord | undefined>;
  /**
   * Compare-and-set: writes `record` only if the stored version is `expectedVersion`.
   * Returns false, writing nothing, when another write got there first.
   *
   * `create`, `save` and `delete` take the write's {@link WriteEffects}: its events and
   * their deliveries, written in the same atomic write as the record (one transaction,
   * one Lua script), or not at all. A store without {@link FlowStore.readEvents} keeps
   * no log and ignores them.
   */
  save(record: FlowRecord, expectedVersion: number, effects?: WriteEffects): Promise<boolean>;
  /**
   * Removes the record and its event log (or turns the log into a tombstone, as
   * `effects.afterErase` says); false when there was none, or when `expectedVersion`
   * is given and the stored version differs (then nothing is removed). The effects'
   * deliveries are put in the outbox even though the log goes.
   */
  delete(id: string, expectedVersion?: number, effects?: WriteEffects): Promise<boolean>;
  /**
   * Removes every record past its keeping time (`keepUntil`, or `expiresAt` when it has
   * none) at or before `now`, and idempotency keys past theirs; returns how many flow
   * records went. A record between `expiresAt` and `keepUntil` is kept: it can still be
   * recovered.
   */
  purgeExpired(now: Date): Promise<number>;
  /**
   * Optional. One batch of the stored flow records, expired or not, for operator
   * commands that walk every flow (`waymark migrate`). Pass the `cursor` of the previous
   * batch to get the next; a batch without `cursor` is the last. Records written or
   * removed during the walk may or may not be seen; every record present throughout is
   * seen at least once.
   *
   * @param cursor - undefined for the first batch, then the previous batch's `cursor`.
   * @param limit - at most this many records per batch (a backend may return fewer).
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example
   * let cursor: string | undefined;
   * do {
   *   const batch = await store.scanRecords(cursor, 500);
   *   for (const record of batch.records) console.log(record.id);
   *   cursor = batch.cursor;
   * } while (cursor !== undefined);
   */
  scanRecords?(cursor: string | undefined, limit: number): Promise<RecordBatch>;
  /**
   * Claims an `Idempotency-Key` atomically. The caller owns the key — and gets the flow
   * id to create — when the key is new or past its keeping time (the claim's `flowId`),
   * or when an unfinished claim with the same fingerprint has lost its lease (the flow
   * id that claim was given, so a retry never makes a second flow). Otherwise the
   * existing entry comes back unchanged: a finished one to replay, an unfinished one
   * still leased, or one with another fingerprint.
   */
  claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaimResult>;
  /** Records the response, if `token` still holds the claim. */
  finishIdempotencyKey(key: string, token: string, response: StoredResponse): Promise<void>;
  /**
   * Ends the lease of the claim `token` holds (its request failed), keeping its flow id,
   * so a retry takes the key over at once and creates that same flow if it is missing.
   */
  releaseIdempotencyKey(key: string, token: string): Promise<void>;
  /**
   * Counts for a rate limit, kept in this backend so that every instance sharing it
   * counts against one limit. Optional: without it a server counts in its own memory.
   */
  rateLimitCounter?(policy: RateLimitPolicy): RateLimitStore;
  /**
   * Optional. Takes the write lock of flow `id` for `token` if no one holds it, or if its
   * holder's time ran out, for `ttlMs` milliseconds; resolves `true` when taken, `false`
   * (changing nothing) while someone else holds it. Never waits: Waymark polls, with
   * back-off, up to its own time budget.
   *
   * Only writes that lost a compare-and-set take the lock, so that the writers of one
   * flow queue up instead of retrying in a crowd. It orders writers and nothing else:
   * `save` stays a compare-and-set and must not look at the lock, so a lock that runs
   * out mid-write, or a store without locks, is slower but never wrong. The lock must
   * lapse by itself `ttlMs` after it was taken, so a holder that crashed delays the
   * others by at most that; keep it apart from the record (another key or table: `load`,
   * `save` and `delete` ignore it) and measure its time on one clock every instance
   * shares, such as the backend's own. The lock of a flow that does not exist can be
   * taken too.
   *
   * Without these two methods, a write that lost its compare-and-set retries with
   * jittered back-off within the same time budget: enough for a few instances writing
   * one flow at once, slower with many.
   *
   * @param id - the flow's `record.id`.
   * @param token - random and unique to this claim; only its holder may release it.
   * @param ttlMs - milliseconds until the lock lapses by itself; a positive integer.
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example
   * // Redis: SET waymark:lock:{<id>} <token> NX PX <ttlMs>
   * const token = crypto.randomUUID();
   * if (await store.claimWriteLock?.(id, token, 2000)) {
   *   try {
   *     // load, apply, save: this flow's other lock claimers wait meanwhile
   *   } finally {
   *     await store.releaseWriteLock?.(id, token);
   *   }
   * }
   */
  claimWriteLock?(id: string, token: string, ttlMs: number): Promise<boolean>;
  /**
   * Optional, with {@link FlowStore.claimWriteLock}. Frees the write lock of flow `id` if
   * `token` still holds it; otherwise (it lapsed, or another claim took it over) does
   * nothing.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached; the lock
   * then lapses at the end of its `ttlMs`.
   * @example await store.releaseWriteLock?.(id, token);
   */
  releaseWriteLock?(id: string, token: string): Promise<void>;
  /**
   * Optional, with the outbox methods below: the event log of flow `id`, oldest first
   * (by `version`, then `index`). Empty once the flow is erased or purged, or for an id
   * never seen. Pass a `tombstoneKey` to read the log a delete kept under it.
   *
   * An event id is kept once: a write that repeats an event already in the log (a
   * retried write) leaves the first one as it was, and likewise a delivery already in the
   * outbox under its key.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example (await store.readEvents?.(id))?.map((event) => event.type) // ["flow.started", "step.submitted"]
   */
  readEvents?(id: string): Promise<FlowEvent[]>;
  /**
   * Optional. Leases up to `limit` deliveries that are due for `token`: pending, their
   * `nextAttemptAt` at or before `now`, not leased (or their lease ran out), and each
   * the first pending one of its flow and destination, so one flow's events reach a
   * destination in order. A dead delivery does not hold back the ones after it. While
   * leased until `now + leaseMs`, no other claim returns a delivery; then it is returned
   * again (its deliverer died): a lease taken at `now` holds while the claim's `now` is
   * before `now + leaseMs`, and is free from that instant on. Which due deliveries come
   * first when there are more than `limit` is the store's choice.
   *
   * @param request.now - epoch milliseconds, the deliverer's clock.
   * @param request.leaseMs - milliseconds the lease lasts.
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example const due = await store.claimDeliveries?.({ now: Date.now(), leaseMs: 30_000, limit: 50, token });
   */
  claimDeliveries?(request: DeliveryClaim): Promise<Delivery[]>;
  /**
   * Optional. Records what became of a leased delivery, if `token` still holds its
   * lease: `delivered` removes it from the outbox, `retry` puts it back for
   * `nextAttemptAt` with one more attempt and the error, `dead` stops trying it. Resolves
   * false, changing nothing, when the lease was lost.
   *
   * A token holds its lease until another claim takes the delivery over or the delivery
   * is settled: one whose lease ran out but that no one has claimed since can still be
   * settled by it. `retry` and `dead` free the lease, so settling again with the same
   * token is false. A dead delivery keeps `nextAttemptAt` as it was when claimed: the
   * time its last attempt was due.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example await store.settleDelivery?.(delivery.key, token, { state: "delivered" });
   */
  settleDelivery?(key: string, token: string, outcome: DeliveryOutcome): Promise<boolean>;
  /**
   * Optional. Deliveries in the outbox, pending (leased or not) or dead, oldest first
   * (by `createdAt`, then `key`), for operators (`waymark deliveries`). Pass the previous
   * page's `cursor` (opaque) for the next; a page without `cursor` is the last. A page may
   * hold fewer than `limit` deliveries.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example const { deliveries } = await store.listDeliveries?.({ state: "dead", limit: 100 });
   */
  listDeliveries?(query: DeliveryQuery): Promise<DeliveryPage>;
  /**
   * Optional. Puts a dead delivery back to pending, due at `now` with its attempts
   * reset; false when there is no dead delivery under `key`. Its `lastError` stays until
   * the next attempt is settled.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example await store.retryDelivery?.(key, Date.now());
   */
  retryDelivery?(key: string, now: number): Promise<boolean>;
  /**
   * Optional. Calls `onChange` whenever flow `id` may have changed in this backend: a
   * `create`, `save` or `delete` of it made through any handle or instance that shares
   * the backend (PostgreSQL `LISTEN/NOTIFY`, Redis sharded pub/sub, SQLite's
   * `PRAGMA data_version` on one host). What live updates (`GET /{flow}/{flowId}/events`)
   * are built on: the caller `load`s the record to see what changed, so a signal may
   * come with nothing changed, and several writes may come as one signal. A purge need
   * not signal.
   *
   * Resolves once the watch is live: every write that completes after that is
   * signalled, within about a second. Holds nothing a crash would lose; `close()` ends
   * the watch (and is harmless twice). A backend keeps one connection for all its
   * watches, not one per watch.
   *
   * @param id - the flow's `record.id`.
   * @param onChange - called without arguments, never awaited; must not throw.
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example
   * const watch = await store.watchFlow?.(id, () => void refresh());
   * // …
   * await watch?.close();
   */
  watchFlow?(id: string, onChange: () => void): Promise<FlowWatch>;
  /**
   * Optional, with {@link FlowStore.readRejections}. Adds one to the count of each of
   * `rejection.fields` for its flow, definition version and step, in the hour of
   * `rejection.at`: what the funnel's "fields that failed validation most often" reads.
   * A 422 writes nothing to its flow; this count, apart from every record, is all it
   * leaves. Counts are kept at least 90 days.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example await store.countRejection?.({ flow: "onboarding", definitionVersion: 1, step: "personal-info", fields: ["/email"], at: Date.now() });
   */
  countRejection?(rejection: StepRejection): Promise<void>;
  /**
   * Optional, with {@link FlowStore.countRejection}. The counts of rejected fields of
   * `query.flow` in the hours from the one holding `query.since` up to, not including,
   * the one holding `query.until`; one entry per definition version, step and field,
   * summed over those hours, in no particular order.
   *
   * @throws WaymarkError `store-unavailable` when the backend cannot be reached.
   * @example await store.readRejections?.({ flow: "onboarding", since: Date.now() - 7 * 86_400_000, until: Date.now() })
   */
  readRejections?(query: RejectionQuery): Promise<RejectionCount[]>;
  /** Resolves when the backend answers; throws `store-unavailable` otherwise. */
  ping(): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}

/**
 * How one backend differs from the others. Servers read these instead of asking which
 * backend they have.
 *
 * @example if (!store.capabilities.expiresByItself) setInterval(() => store.purgeExpired(new Date()), 60_000);
 */
export interface StoreCapabilities {
  /**
   * The backend deletes a record by itself some time after its keeping time (`keepUntil`,
   * or `expiresAt` without one): Redis key expiry, `purgeDelayMs` after it. Servers then
   * skip their periodic purge; `waymark purge` still sweeps on demand. Until it is gone,
   * an expired record still loads, as on every store.
   */
  readonly expiresByItself: boolean;
}

/** One batch of {@link FlowStore.scanRecords}. */
export interface RecordBatch {
  records: FlowRecord[];
  /** Where the next batch starts; absent after the last. */
  cursor?: string | undefined;
}

/** A claim on an idempotency key. */
export interface IdempotencyClaim {
  /** Identifies the request: a retry with the same key must bring the same one. */
  fingerprint: string;
  /** Random, unique to this claim: only its holder may finish or release it. */
  token: string;
  /** The id of the flow to create, should the key be new. */
  flowId: string;
  /** Epoch milliseconds until which an unfinished claim blocks others. */
  leaseUntil: number;
  /** Epoch milliseconds until which the key and its response are kept. */
  keepUntil: number;
  /** Epoch milliseconds of the claim: older entries past their times are taken over. */
  now: number;
}

/** An idempotency key already claimed: in flight until `response` is there. */
export interface IdempotencyEntry {
  fingerprint: string;
  response?: StoredResponse;
  /**
   * Epoch milliseconds until which an unfinished entry's claim holds: what the server
   * turns into `Retry-After`. A store that leaves it out makes clients retry every second.
   */
  leaseUntil?: number;
}

/** What a claim gets: the key, with the flow id to create; or the entry in the way. */
export type IdempotencyClaimResult =
  | { claimed: true; flowId: string }
  | { claimed: false; entry: IdempotencyEntry };

/** A response kept for replay. */
export interface StoredResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/**
 * A rate limit to count for: its name (`client`, `flow`), which keeps its counts apart
 * from other limits', and its allowance.
 *
 * @example { name: "client", limit: 600, windowMs: 60_000 }
 */
export interface RateLimitPolicy {
  name: string;
  /** Requests allowed per key in one window. */
  limit: number;
  /** The window, in milliseconds: whole seconds. */
  windowMs: number;
}

/**
 * A counter of requests per key and window, the subset of hono-rate-limiter's `Store`
 * that Waymark relies on.
 */
export interface RateLimitStore {
  /** Called once with the options, before any count. */
  init?(options: { windowMs: number }): void;
  /** Counts one request of `key`; resolves the count in its window and when that ends. */
  increment(key: string): RateLimitCount | Promise<RateLimitCount>;
  /** Takes one request of `key` back. */
  decrement(key: string): void | Promise<void>;
  /** Forgets `key`. */
  resetKey(key: string): void | Promise<void>;
}

/** A key's count in its current window. */
export interface RateLimitCount {
  totalHits: number;
  resetTime?: Date;
}

/**
 * What a write records beside its record, atomically with it.
 *
 * @example { events: sealEvents(record, [{ type: "flow.started" }], now), deliveries: [{ eventId: `${record.id}:1:0`, destination: "webhook:https://example.com/hooks" }] }
 */
export interface WriteEffects {
  /** Appended to the flow's event log. */
  events: readonly FlowEvent[];
  /**
   * Put in the outbox: each names one of `events` and where it goes. A new delivery is
   * due at once: pending, no attempts, `nextAttemptAt` and `createdAt` its event's `at`.
   * Naming an event that is not among `events` is a `TypeError`, and nothing is written.
   */
  deliveries: readonly NewDelivery[];
  /**
   * For `delete` (a purge always erases): `erase` removes the flow's log with it, the
   * delete's own events included; `{ tombstoneKey }` keeps the log, the delete's events
   * last, under `tombstoneKey` instead, each event's `flowKey` set to it and its `id` to
   * `{tombstoneKey}:{version}:{index}`. Either way the delete's deliveries go to the
   * outbox with their events as written.
   * @default "erase"
   */
  afterErase?: "erase" | { tombstoneKey: string };
}

/** One event to deliver to one destination. */
export interface NewDelivery {
  eventId: string;
  /** Where it goes: `webhook:<url>`, or `handler:onComplete`. */
  destination: string;
}

/**
 * A delivery in the outbox: an event on its way to one destination.
 * `key` is `{destination} {eventId}`, unique in the outbox.
 */
export interface Delivery {
  key: string;
  destination: string;
  event: FlowEvent;
  state: "pending" | "dead";
  /** Attempts made so far. */
  attempts: number;
  /** Epoch milliseconds of the next attempt (pending), or of the last (dead). */
  nextAttemptAt: number;
  /** Epoch milliseconds the delivery entered the outbox. */
  createdAt: number;
  /** Why the last attempt failed; no response bodies, no data. */
  lastError?: string;
}

/** A request to lease deliveries: {@link FlowStore.claimDeliveries}. */
export interface DeliveryClaim {
  now: number;
  leaseMs: number;
  limit: number;
  token: string;
}

/** What became of a leased delivery: {@link FlowStore.settleDelivery}. */
export type DeliveryOutcome =
  | { state: "delivered" }
  | { state: "retry"; nextAttemptAt: number; error: string }
  | { state: "dead"; error: string };

/** A page of {@link FlowStore.listDeliveries}. */
export interface DeliveryQuery {
  state: "pending" | "dead";
  limit: number;
  cursor?: string | undefined;
}

/** A page of deliveries, and where the next starts. */
export interface DeliveryPage {
  deliveries: Delivery[];
  cursor?: string | undefined;
}

/**
 * The key of a delivery in the outbox.
 *
 * @example deliveryKey("handler:onComplete", "3f0c:5:1") // "handler:onComplete 3f0c:5:1"
 */
export function deliveryKey(destination: string, eventId: string): string {
  return `${destination} ${eventId}`;
}

/** A live watch on one flow: {@link FlowStore.watchFlow}. */
export interface FlowWatch {
  /** Ends the watch: `onChange` is not called after it resolves. */
  close(): Promise<void>;
}

/**
 * A step submission refused as invalid (422): which fields failed, by name only.
 *
 * @example { flow: "onboarding", definitionVersion: 1, step: "personal-info", fields: ["/email"], at: 1767225600000 }
 */
export interface StepRejection {
  flow: string;
  definitionVersion: number;
  step: string;
  /**
   * JSON Pointers of the failing fields as the step's schema declares them; a key the
   * user made up is `*`, so nothing typed by a user is kept.
   */
  fields: readonly string[];
  /** Epoch milliseconds of the submission. */
  at: number;
}

/** What {@link FlowStore.readRejections} reads: one flow, a window in epoch milliseconds. */
export interface RejectionQuery {
  flow: string;
  since: number;
  until: number;
}

/** How often one field of one step failed validation in a window. */
export interface RejectionCount {
  definitionVersion: number;
  step: string;
  field: string;
  count: number;
}
