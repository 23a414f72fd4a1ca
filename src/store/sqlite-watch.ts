import type Database from "better-sqlite3";
import { WaymarkError } from "../errors.ts";
import { orUnavailable } from "./sqlite-open.ts";
import type { FlowWatch } from "./types.ts";
import { newWatches, watchOf } from "./watches.ts";

/** The flow watches of one SQLite handle: its own writes, and the file's other writers. */
export interface SqliteWatches {
  /** What `watchFlow` does. */
  watch(id: string, onChange: () => void): Promise<FlowWatch>;
  /** Tells the watches of `id` this handle committed a write of it (`undefined`: deleted). */
  written(id: string, version: number | undefined): void;
  /** Ends every watch and the timer. */
  close(): void;
}

/**
 * Watches over one SQLite connection. This handle's writes are signalled right after they
 * commit. Other processes' (and handles') are found by a timer that runs only while a
 * flow is watched: every `intervalMs` it reads `PRAGMA data_version`, which changes when
 * another connection commits to the file, and only then the versions of the watched
 * flows, in one query, signalling those whose version changed or that are gone.
 *
 * @example const watches = sqliteWatches(db, 200);
 */
export function sqliteWatches(db: Database.Database, intervalMs: number): SqliteWatches {
  const watches = newWatches();
  /** The version each watched flow was last seen at, `undefined` when it did not exist. */
  const seen = new Map<string, number | undefined>();
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  const versionOf = db
    .prepare<[string], number>("SELECT version FROM waymark_flows WHERE id = ?")
    .pluck();
  const versionsOf = db.prepare<[string], { id: string; version: number }>(
    "SELECT id, version FROM waymark_flows WHERE id IN (SELECT value FROM json_each(?))",
  );
  let timer: NodeJS.Timeout | undefined;
  let lastDataVersion: unknown;

  const check = () => {
    if (!db.open) return stop();
    try {
      const current = dataVersion.get();
      if (current === lastDataVersion) return;
      lastDataVersion = current;
      const ids = [...seen.keys()];
      const found = new Map(
        versionsOf.all(JSON.stringify(ids)).map((row) => [row.id, row.version]),
      );
      for (const id of ids) {
        const version = found.get(id);
        if (seen.get(id) === version) continue;
        seen.set(id, version);
        watches.signal(id);
      }
    } catch {
      // Busy or unreadable for now: data_version is read again at the next tick, and what
      // changed meanwhile is still found then.
    }
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return {
    async watch(id, onChange) {
      if (!db.open) throw new WaymarkError("store-unavailable", "The SQLite store is closed");
      if (timer === undefined) {
        // Read before the flow's version: a commit in between is seen at the first tick.
        lastDataVersion = orUnavailable(() => dataVersion.get());
        timer = setInterval(check, intervalMs);
        // A watch must not keep the process alive by itself.
        timer.unref();
      }
      if (!seen.has(id)) {
        try {
          seen.set(
            id,
            orUnavailable(() => versionOf.get(id)),
          );
        } catch (error) {
          if (watches.size === 0) stop();
          throw error;
        }
      }
      const { close } = watches.add(id, onChange);
      return watchOf(() => {
        if (close()) seen.delete(id);
        if (watches.size === 0) stop();
        return undefined;
      });
    },
    written(id, version) {
      if (!seen.has(id)) return;
      seen.set(id, version);
      watches.signal(id);
    },
    close() {
      stop();
      watches.clear();
      seen.clear();
    },
  };
}
