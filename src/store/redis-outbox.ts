import { eventId, type FlowEvent } from "../flow/events.ts";
import type { OutboxReply } from "./redis-outbox-scripts.ts";
import type { FlowKeys } from "./redis-scripts.ts";
import {
  type Delivery,
  type DeliveryOutcome,
  deliveryKey,
  type FlowStore,
  type WriteEffects,
} from "./types.ts";

/** What the outbox uses of a standalone client or of a cluster. */
export interface OutboxConnection {
  hVals(key: string): Promise<string[]>;
  hGetAll(key: string): Promise<Record<string, string>>;
  del(key: string): Promise<number>;
  waymarkClaimOutbox(
    key: string,
    now: number,
    leaseUntil: number,
    token: string,
    limit: number,
  ): Promise<OutboxReply>;
  waymarkSettleOutbox(
    key: string,
    field: string,
    token: string,
    outcome: { state: string; nextAttemptAt?: number; error?: string },
  ): Promise<{ done: boolean; next: number }>;
  waymarkReviveOutbox(
    key: string,
    field: string,
    now: number,
  ): Promise<{ done: boolean; next: number }>;
  waymarkMarkDue(due: string, counts: string, id: string, at: number): Promise<unknown>;
  waymarkDue(
    due: string,
    counts: string,
    now: number,
    count: number,
  ): Promise<Array<{ id: string; count: string }>>;
  waymarkReschedule(
    due: string,
    counts: string,
    id: string,
    count: string,
    next: number,
  ): Promise<unknown>;
  waymarkAppendLog(key: string, pairs: readonly string[]): Promise<unknown>;
}

/** What {@link redisOutbox} needs from the store around it. */
export interface OutboxContext {
  connection: OutboxConnection;
  /** Runs one round trip within the store's timeout, mapping outages to `store-unavailable`. */
  run: <T>(operation: () => Promise<T>) => Promise<T>;
  /** The store's key prefix, such as `waymark:`. */
  prefix: string;
  /** Hands `visit` every key matching the SCAN pattern `match`, a page at a time, on every server. */
  forEachKey(match: string, visit: (keys: string[]) => Promise<void>): Promise<void>;
  /** Milliseconds between two walks of the keyspace for outboxes the index missed. */
  scanIntervalMs: number;
}

/** The event log and outbox methods of a store, and what its writes call around them. */
export interface RedisOutbox {
  methods: Required<
    Pick<
      FlowStore,
      "readEvents" | "claimDeliveries" | "settleDelivery" | "listDeliveries" | "retryDelivery"
    >
  >;
  /** After a write that succeeded: lists its flow in the index if it added deliveries. */
  afterWrite(id: string, effects: WriteEffects | undefined): Promise<void>;
  /** Copies the log a delete kept aside to its tombstone, then removes it. Idempotent. */
  finishTombstone(id: string): Promise<void>;
}

/** A delivery as its outbox hash keeps it: the event as JSON text, its place, its lease. */
interface StoredDelivery {
  destination: string;
  event: string;
  state: "pending" | "dead";
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  v: number;
  i: number;
  lastError?: string;
  leaseUntil?: number;
  token?: string;
}

/** Flows read from the index at a time, per round of a claim. */
const duePage = 100;

/**
 * The Redis keys of everything of one flow, under its hash tag `{<id>}` so a Cluster
 * keeps them in one slot: its record, event log, outbox, and the log a delete keeps
 * aside for its tombstone; and the sharded pub/sub channel its writes publish on.
 *
 * @example flowKeys("waymark:", "3f0c").outbox // "waymark:outbox:{3f0c}"
 */
export function flowKeys(prefix: string, id: string): FlowKeys {
  return {
    record: `${prefix}flow:{${id}}`,
    log: `${prefix}events:{${id}}`,
    outbox: `${prefix}outbox:{${id}}`,
    tombstoning: `${prefix}outbox:tombstone:{${id}}`,
    live: `${prefix}live:{${id}}`,
  };
}

/**
 * A write's effects as script arguments: the count of events, each event's id and JSON,
 * then each delivery's key and stored JSON (pending, no attempts, due at its event's
 * `at`). `["0"]` for none.
 *
 * @throws TypeError when a delivery names an event that is not among the write's events.
 * @example effectArguments({ events: [started], deliveries: [] }) // ["1", started.id, "{…}"]
 */
export function effectArguments(effects: WriteEffects | undefined): string[] {
  if (!effects) return ["0"];
  const events = new Map(effects.events.map((event) => [event.id, event]));
  const args = [String(effects.events.length)];
  for (const event of effects.events) args.push(event.id, JSON.stringify(event));
  for (const { eventId: id, destination } of effects.deliveries) {
    const event = events.get(id);
    if (!event) throw new TypeError(`delivery of ${id}: not one of the write's events`);
    const stored: StoredDelivery = {
      destination,
      event: JSON.stringify(event),
      state: "pending",
      attempts: 0,
      nextAttemptAt: event.at,
      createdAt: event.at,
      v: event.version,
      i: event.index,
    };
    args.push(deliveryKey(destination, id), JSON.stringify(stored));
  }
  return args;
}

/**
 * The event log and outbox of the Redis store, for one server or a Cluster. A flow's log
 * and outbox are written by its record's scripts; this finds and leases work across
 * flows through an index (a sorted set of flow ids by when their outbox may next have
 * work), updated right after each write, and, on the first claim and then every
 * `scanIntervalMs`, a walk of the keyspace for outboxes the index missed (a crash
 * between a write and its index update delays those deliveries, never loses them).
 *
 * @example
 * const outbox = redisOutbox({ connection, run, prefix: "waymark:", forEachKey, scanIntervalMs: 60_000 });
 * const due = await outbox.methods.claimDeliveries({ now: Date.now(), leaseMs: 30_000, limit: 50, token });
 */
export function redisOutbox(context: OutboxContext): RedisOutbox {
  const { connection, run, prefix, scanIntervalMs } = context;
  const keysOf = (id: string) => flowKeys(prefix, id);
  // One hash tag for both, so one script updates them together.
  const dueKey = `${prefix}{outbox-due}`;
  const countsKey = `${prefix}{outbox-due}:counts`;
  const outboxPrefix = `${prefix}outbox:{`;
  const tombstoningPrefix = `${prefix}outbox:tombstone:{`;
  const outboxMatch = `${globEscape(prefix)}outbox:*`;
  let scannedAt: number | undefined;

  // The index update after a write is not atomic with it: if it fails, the next walk of
  // the keyspace finds the outbox, so the write, already done, still succeeds.
  const mark = async (id: string, at: number) => {
    await run(() => connection.waymarkMarkDue(dueKey, countsKey, id, at)).catch(() => undefined);
  };

  const finishTombstone = async (id: string) => {
    const { tombstoning } = keysOf(id);
    const { tombstone: target, ...events } = await run(() => connection.hGetAll(tombstoning));
    if (target !== undefined) {
      const pairs = Object.values(events).flatMap((json) => {
        const event = JSON.parse(json) as FlowEvent;
        const moved = {
          ...event,
          id: eventId(target, event.version, event.index),
          flowKey: target,
        };
        return [moved.id, JSON.stringify(moved)];
      });
      // Copied before the original goes: a crash in between leaves both, and copying
      // again keeps the ids already there.
      if (pairs.length > 0) await run(() => connection.waymarkAppendLog(keysOf(target).log, pairs));
    }
    await run(() => connection.del(tombstoning));
  };

  const rescan = () =>
    context.forEachKey(outboxMatch, async (keys) => {
      await Promise.all(
        keys.map(async (key) => {
          if (key.startsWith(tombstoningPrefix)) {
            await finishTombstone(idIn(key, tombstoningPrefix));
          } else if (key.startsWith(outboxPrefix)) {
            const id = idIn(key, outboxPrefix);
            await run(() => connection.waymarkMarkDue(dueKey, countsKey, id, 0));
          }
        }),
      );
    });

  /** Every delivery in every outbox, read a page of outboxes at a time. */
  const everyDelivery = async () => {
    const found: Delivery[] = [];
    await context.forEachKey(outboxMatch, async (keys) => {
      const outboxes = keys.filter((key) => key.startsWith(outboxPrefix));
      const read = await Promise.all(outboxes.map((key) => run(() => connection.hGetAll(key))));
      for (const entries of read) {
        for (const [field, json] of Object.entries(entries)) found.push(toDelivery(field, json));
      }
    });
    return found;
  };

  return {
    afterWrite: async (id, effects) => {
      const times = (effects?.deliveries ?? []).map(
        ({ eventId: wanted }) => effects?.events.find((event) => event.id === wanted)?.at ?? 0,
      );
      if (times.length > 0) await mark(id, Math.min(...times));
    },
    finishTombstone,
    methods: {
      async readEvents(id) {
        const values = await run(() => connection.hVals(keysOf(id).log));
        return values
          .map((json) => JSON.parse(json) as FlowEvent)
          .sort((a, b) => a.version - b.version || a.index - b.index);
      },

      async claimDeliveries({ now, leaseMs, limit, token }) {
        const claimed: Delivery[] = [];
        if (limit <= 0) return claimed;
        const started = Date.now();
        if (scannedAt === undefined || started - scannedAt >= scanIntervalMs) {
          await rescan();
          scannedAt = started;
        }
        const visited = new Set<string>();
        for (;;) {
          const page = await run(() =>
            connection.waymarkDue(dueKey, countsKey, now, visited.size + duePage),
          );
          const fresh = page.filter(({ id }) => !visited.has(id));
          if (fresh.length === 0) return claimed;
          for (const { id, count } of fresh) {
            visited.add(id);
            const { outbox } = keysOf(id);
            const reply = await run(() =>
              connection.waymarkClaimOutbox(
                outbox,
                now,
                now + leaseMs,
                token,
                limit - claimed.length,
              ),
            );
            for (const { key, json } of reply.entries) claimed.push(toDelivery(key, json));
            await run(() => connection.waymarkReschedule(dueKey, countsKey, id, count, reply.next));
            if (claimed.length >= limit) return claimed;
          }
        }
      },

      async settleDelivery(key, token, outcome) {
        const id = flowOfDelivery(key);
        if (id === undefined) return false;
        const { done, next } = await run(() =>
          connection.waymarkSettleOutbox(keysOf(id).outbox, key, token, settleArguments(outcome)),
        );
        if (done && next >= 0) await mark(id, next);
        return done;
      },

      async listDeliveries({ state, limit, cursor }) {
        const after = cursor === undefined ? undefined : readCursor(cursor);
        const listed = (await everyDelivery())
          .filter((delivery) => delivery.state === state)
          .filter((delivery) => after === undefined || compare(delivery, after) > 0)
          .sort(compare);
        const deliveries = listed.slice(0, Math.max(limit, 0));
        const last = deliveries.at(-1);
        return last === undefined || listed.length <= deliveries.length
          ? { deliveries }
          : { deliveries, cursor: writeCursor(last) };
      },

      async retryDelivery(key, now) {
        const id = flowOfDelivery(key);
        if (id === undefined) return false;
        const { done, next } = await run(() =>
          connection.waymarkReviveOutbox(keysOf(id).outbox, key, now),
        );
        if (done && next >= 0) await mark(id, next);
        return done;
      },
    },
  };
}

function settleArguments(outcome: DeliveryOutcome) {
  if (outcome.state === "delivered") return { state: outcome.state };
  if (outcome.state === "dead") return { state: outcome.state, error: outcome.error };
  return { state: outcome.state, nextAttemptAt: outcome.nextAttemptAt, error: outcome.error };
}

function toDelivery(key: string, json: string): Delivery {
  const stored = JSON.parse(json) as StoredDelivery;
  return {
    key,
    destination: stored.destination,
    event: JSON.parse(stored.event) as FlowEvent,
    state: stored.state,
    attempts: stored.attempts,
    nextAttemptAt: stored.nextAttemptAt,
    createdAt: stored.createdAt,
    ...(stored.lastError === undefined ? {} : { lastError: stored.lastError }),
  };
}

/** The flow a delivery key belongs to: `{destination} {flow id}:{version}:{index}`. */
function flowOfDelivery(key: string): string | undefined {
  const event = key.slice(key.lastIndexOf(" ") + 1);
  return /^(.+):\d+:\d+$/.exec(event)?.[1];
}

/** The flow id in a key made of `start`, the id and the closing brace of its hash tag. */
function idIn(key: string, start: string): string {
  return key.slice(start.length, -1);
}

/** Where a listing stands: the `createdAt` and key of the last delivery handed out. */
type ListPosition = Pick<Delivery, "createdAt" | "key">;

function compare(a: ListPosition, b: ListPosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function writeCursor({ createdAt, key }: ListPosition): string {
  return Buffer.from(JSON.stringify([createdAt, key])).toString("base64url");
}

/** The position in a cursor {@link writeCursor} made; a TypeError for anything else. */
function readCursor(cursor: string): ListPosition {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    // Not JSON: refused below.
  }
  if (
    Array.isArray(position) &&
    position.length === 2 &&
    typeof position[0] === "number" &&
    typeof position[1] === "string"
  ) {
    return { createdAt: position[0], key: position[1] };
  }
  throw new TypeError("not a cursor of this store's listDeliveries");
}

/**
 * Escapes SCAN's glob characters, so a prefix matches only itself.
 *
 * @example globEscape("shop[eu]:") // "shop\\[eu\\]:"
 */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
