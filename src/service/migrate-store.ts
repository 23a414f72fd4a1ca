import { WaymarkError } from "../errors.ts";
import { isExpired } from "../flow/engine.ts";
import { placeRecord, settleRecord } from "../flow/placement.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { FlowRecord } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";
import { createReportTally, type MigrationReport, type RecordOutcome } from "./migration-report.ts";

/** Compare-and-set attempts on one record before it counts as failed. */
const saveAttempts = 10;

/** How {@link migrateStore} runs. */
export interface MigrateStoreOptions {
  /** Only count what would happen; write nothing. */
  dryRun: boolean;
  /**
   * Records per `scanRecords` batch: the most the walk holds in memory at once.
   * @default 500
   */
  batchSize?: number | undefined;
  /**
   * The clock, read for each record (expiry, `check` hooks, `migratedFrom.at`).
   * @default () => new Date()
   */
  now?: (() => Date) | undefined;
  /** Told the number of records scanned so far after each batch, for a progress line. */
  onProgress?: ((scanned: number) => void) | undefined;
}

/**
 * Walks every record of `store` in batches and, for each flow on a definition version
 * other than its newest, works out what a server would do to it on its next read (the
 * same decision: {@link placeRecord}). Without `dryRun`, it then moves each record a
 * server would move (migrate or restart; in progress, not expired) with a
 * compare-and-set: a save that loses to another write reloads the record and decides
 * again, and a record that moved on or went meanwhile is left alone. A record whose
 * migration throws is left as it is and counted as failed. Moved records are on the
 * newest version, so a second run carries on where one stopped.
 *
 * @throws Error when the store cannot list its records (no `scanRecords`); a WaymarkError
 * `store-unavailable` when it cannot be reached.
 * @example
 * const report = await migrateStore(store, createRegistry(flows), { dryRun: true });
 * if (report.failed > 0) process.exitCode = 1;
 */
export async function migrateStore(
  store: FlowStore,
  registry: FlowRegistry,
  options: MigrateStoreOptions,
): Promise<MigrationReport> {
  const { dryRun, batchSize = 500, now = () => new Date(), onProgress } = options;
  if (!store.scanRecords) {
    throw new Error("this store cannot list its records (it has no scanRecords)");
  }
  const tally = createReportTally(registry, dryRun);

  /** Decides, and unless this is a dry run applies, what happens to one record. */
  async function handle(scanned: FlowRecord): Promise<RecordOutcome> {
    let record = scanned;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await decide(registry, record, now());
      if (dryRun || outcome.kind !== "moved") return outcome;
      if (await store.save(outcome.settled.record, record.version)) return outcome;
      if (attempt === saveAttempts) {
        return { kind: "failed", reason: `still changing after ${saveAttempts} attempts` };
      }
      const reloaded = await store.load(record.id);
      if (
        reloaded?.flow !== scanned.flow ||
        reloaded.definitionVersion !== scanned.definitionVersion
      ) {
        return { kind: "changedMeanwhile" };
      }
      record = reloaded;
    }
  }

  let cursor: string | undefined;
  do {
    const batch = await store.scanRecords(cursor, batchSize);
    for (const record of batch.records) {
      tally.count(record, await handle(record));
    }
    cursor = batch.cursor;
    onProgress?.(tally.report().scanned);
  } while (cursor !== undefined);

  return tally.report();
}

/**
 * What a server would do to `record` at `now`, in the order it looks: an unknown flow,
 * the newest version, expiry, then the record's placement.
 */
async function decide(
  registry: FlowRegistry,
  record: FlowRecord,
  now: Date,
): Promise<RecordOutcome> {
  const newest = registry.latest(record.flow);
  if (!newest) return { kind: "notServed" };
  if (record.definitionVersion === newest.version) return { kind: "current" };
  if (isExpired(record, now)) return { kind: "expired" };
  try {
    const placement = placeRecord(registry, record);
    switch (placement.kind) {
      case "newest":
        return { kind: "current" };
      case "completed":
        return { kind: "completed" };
      case "keep":
        return { kind: "kept" };
      case "expire":
        return { kind: "withdrawn" };
      case "retired":
      case "unknown-flow":
        return { kind: "notServed" };
      case "migrate":
      case "restart": {
        const settled = await settleRecord(placement, record, now);
        return { kind: "moved", settled, restarted: placement.kind === "restart" };
      }
    }
  } catch (error) {
    if (error instanceof WaymarkError && error.code === "definition-error") {
      return { kind: "failed", reason: error.message };
    }
    throw error;
  }
}
