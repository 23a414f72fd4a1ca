import { randomUUID } from "node:crypto";
import { WaymarkError } from "../errors.ts";
import type { FlowStore } from "../store/types.ts";
import { staleEtag } from "./preconditions.ts";

/**
 * How long a flow's write lock lasts unless its holder releases it first: the most a
 * holder that crashed can delay the others.
 */
export const writeLockTtlMs = 2_000;

/** How long a step write may wait for its turn, by default, before 409. */
export const defaultWriteWaitMs = 5_000;

/** The first pause between polls of a held lock, or between retries without one. */
const firstPauseMs = 1;
/** The longest pause: a lock freed meanwhile is seen at most this late. */
const maxPauseMs = 16;

/**
 * Takes the writes of one flow one at a time, so that unconditional writes sent at once
 * are all applied, each on the record the previous one left.
 *
 * @example
 * const turns = createWriteTurns(store, 5_000);
 * const outcome = await turns.write(flowId, false, attempt);
 */
export interface WriteTurns {
  /**
   * Runs `attempt` until it lands and returns what it did. `attempt` loads the record,
   * applies the write and saves it with a compare-and-set, answering undefined when that
   * lost. Within this process, writes to one id wait for each other in arrival order
   * and cost the store nothing; the first attempt is made at once, with no lock. Once
   * a compare-and-set lost to another process, the write takes the flow's lock in the
   * store ({@link FlowStore.claimWriteLock}), polled with back-off, and tries again
   * holding it; a store without locks gets jittered back-off alone.
   *
   * @param id - the flow's store key.
   * @param pinned - the write carries `If-Match`: a lost compare-and-set is final.
   * @param watch - told of each lost compare-and-set and each retry, for metrics.
   * @throws WaymarkError `precondition-failed` for a pinned write that lost,
   * `concurrent-update` when the write could not land within the wait, anything
   * `attempt` or the store throws.
   */
  write<T>(
    id: string,
    pinned: boolean,
    attempt: () => Promise<T | undefined>,
    watch?: WriteWatch,
  ): Promise<T>;
}

/** What {@link WriteTurns.write} reports as it goes; both calls must not throw. */
export interface WriteWatch {
  /** An attempt lost its compare-and-set. */
  lost(): void;
  /** An attempt is made again after one lost. */
  retried(): void;
}

/**
 * The turns of the writes made through one flow service.
 *
 * @param store - undefined in token mode, where nothing is shared to wait for.
 * @param waitMs - how long a write may wait, in all, for its turn, the lock and back-off.
 * @example const turns = createWriteTurns(store, defaultWriteWaitMs);
 */
export function createWriteTurns(store: FlowStore | undefined, waitMs: number): WriteTurns {
  const line = createLine();
  const lock = store && writeLockOf(store);
  const keptWaiting = () =>
    new WaymarkError(
      "concurrent-update",
      `Other writes to this flow kept it busy for longer than ${waitMs} ms`,
    );

  /** Sleeps before the next try, unless the deadline has come. */
  async function pause(attempt: number, deadline: number) {
    const left = deadline - Date.now();
    if (left <= 0) throw keptWaiting();
    const ceiling = Math.min(maxPauseMs, firstPauseMs * 2 ** (attempt - 1));
    // Half fixed, half random: waiters spread out, and none polls in a tight loop.
    await sleep(Math.min(left, ceiling / 2 + (Math.random() * ceiling) / 2));
  }

  return {
    async write(id, pinned, attempt, watch) {
      const deadline = Date.now() + waitMs;
      const leave = store ? await line.enter(id, deadline) : () => undefined;
      if (!leave) throw keptWaiting();
      try {
        const first = await attempt();
        if (first !== undefined) return first;
        watch?.lost();
        // With If-Match the client's version is gone for good.
        if (pinned) throw staleEtag();
        let unlock: (() => Promise<void>) | undefined;
        for (let poll = 1; lock && !unlock; poll++) {
          unlock = await lock.claim(id);
          if (!unlock) await pause(poll, deadline);
        }
        try {
          for (let retry = 1; ; retry++) {
            // Holding the lock, the first retry goes at once: the writer that won is done.
            if (!unlock || retry > 1) await pause(retry, deadline);
            watch?.retried();
            const outcome = await attempt();
            if (outcome !== undefined) return outcome;
            watch?.lost();
          }
        } finally {
          await unlock?.();
        }
      } finally {
        leave();
      }
    },
  };
}

/** A flow's write lock in the store, when the store has them. */
function writeLockOf(store: FlowStore) {
  if (!store.claimWriteLock || !store.releaseWriteLock) return undefined;
  return {
    /** Takes the lock if it is free: the function releases it. */
    async claim(id: string): Promise<(() => Promise<void>) | undefined> {
      const token = randomUUID();
      const claimed = await store.claimWriteLock?.(id, token, writeLockTtlMs).catch((error) => {
        // The lock may have been taken with only the answer lost: free it now rather
        // than hold the flow's other writers up until it lapses.
        void store.releaseWriteLock?.(id, token).catch(() => undefined);
        throw error;
      });
      if (!claimed) return undefined;
      return async () => {
        // The write is done, landed or not; a release that fails leaves the lock to
        // lapse at its TTL rather than turn that outcome into an error.
        await store.releaseWriteLock?.(id, token).catch(() => undefined);
      };
    },
  };
}

/** In-process queues, one per key: each entry waits for the one before it to leave. */
function createLine() {
  const tails = new Map<string, Promise<void>>();
  return {
    /**
     * Waits until every earlier entry for `id` has left, or until `deadline`; the
     * function leaves the line, undefined when the deadline came first.
     */
    async enter(id: string, deadline: number): Promise<(() => void) | undefined> {
      const ahead = tails.get(id);
      let resolve: () => void = () => undefined;
      const left = new Promise<void>((done) => {
        resolve = done;
      });
      const leave = () => {
        if (tails.get(id) === left) tails.delete(id);
        resolve();
      };
      tails.set(id, left);
      if (ahead === undefined || (await settlesBy(ahead, deadline))) return leave;
      // Out of time: the entry behind this one waits for the one ahead instead.
      void ahead.then(leave);
      return undefined;
    },
  };
}

/** Whether `promise` settles before `deadline` (epoch milliseconds). */
async function settlesBy(promise: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), false);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
