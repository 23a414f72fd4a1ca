import type { FlowWatch } from "./types.ts";

/**
 * The watches one store handle holds, by flow id: what `watchFlow` adds to and a
 * backend's notifications signal. It tells the backend when an id gains its first watch
 * (to subscribe) and loses its last (to unsubscribe).
 */
export interface Watches {
  /**
   * Adds a watch on `id`; `close` removes it and resolves whether that took the id's
   * last watch (true once only).
   */
  add(id: string, onChange: () => void): { close: () => boolean };
  /** Calls every watch of `id`, once the caller's own code has run (a microtask later). */
  signal(id: string): void;
  /** Signals every watch: after a lost connection, when notifications may have been missed. */
  signalAll(): void;
  /** How many ids are watched. */
  readonly size: number;
  /** Ends every watch at once, as closing the store does. */
  clear(): void;
}

/**
 * An empty {@link Watches}.
 *
 * @example
 * const watches = newWatches();
 * const { close } = watches.add(id, onChange);
 * // …
 * if (close()) await unsubscribe(id);
 */
export function newWatches(): Watches {
  const byId = new Map<string, Set<() => void>>();
  let ended = false;
  const call = (listeners: Iterable<() => void>) => {
    const now = [...listeners];
    // The copy is taken now, and each listener checked again when called: a watch closed
    // meanwhile hears nothing.
    queueMicrotask(() => {
      for (const listener of now) listener();
    });
  };
  return {
    add(id, onChange) {
      let open = true;
      // A function of its own per watch, so one listener given twice is two watches.
      const listener = () => {
        if (open && !ended) onChange();
      };
      const listeners = byId.get(id) ?? new Set();
      listeners.add(listener);
      byId.set(id, listeners);
      return {
        close() {
          if (!open) return false;
          open = false;
          listeners.delete(listener);
          if (listeners.size > 0 || byId.get(id) !== listeners) return false;
          byId.delete(id);
          return true;
        },
      };
    },
    signal(id) {
      const listeners = byId.get(id);
      if (listeners !== undefined) call(listeners);
    },
    signalAll() {
      for (const listeners of byId.values()) call(listeners);
    },
    get size() {
      return byId.size;
    },
    clear() {
      ended = true;
      byId.clear();
    },
  };
}

/**
 * A {@link FlowWatch} whose `close` runs `release` once: later calls resolve at once.
 *
 * @example return watchOf(() => (close() ? unsubscribe(id) : undefined));
 */
export function watchOf(release: () => Promise<void> | undefined): FlowWatch {
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= Promise.resolve(release()).catch(() => undefined);
      return closing;
    },
  };
}
