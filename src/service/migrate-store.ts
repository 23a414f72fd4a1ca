import { WaymarkError } from "../errors.ts";
import { isExpired } from "../flow/engine.ts";
import { placeRecord, type Settled, settleRecord } from "../flow/placement.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { FlowRecord, RetiredPolicy } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";

/** How many flow ids of failed records a report names, per version. */
const failedIdsShown = 5;
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
 * What a walk of the store found, and did (or would do, in a dry run), for the flows of
 * every older definition version.
 *
 * @example
 * { dryRun: true, scanned: 10000, current: 2412, moved: 6600, failed: 3, versions: [ … ] }
 */
export interface MigrationReport {
  dryRun: boolean;
  /** Every record seen. */
  scanned: number;
  /** Records already on their flow's newest version: nothing to do. */
  current: number;
  /** Records moved to the newest version (migrated, sent back to a step, or restarted). */
  moved: number;
  /** Records whose move failed; they are left as they are. */
  failed: number;
  /** One entry per flow name and older version found, by flow name, then version. */
  versions: VersionReport[];
}

/**
 * What happens to a version's flows in progress: its {@link RetiredPolicy}, `none` when
 * it has none (410 `definition-retired`), `unknown-flow` when the flows file has no
 * version of the flow at all.
 */
export type VersionPolicy = RetiredPolicy | "none" | "unknown-flow";

/**
 * The records of one flow name and definition version other than the newest, counted by
 * outcome; the counts other than `total` add up to it. In a dry run, what would happen.
 *
 * @example
 * { flow: "signup", version: 1, newest: 2, policy: "migrate", total: 7000, migrated: 5210,
 *   returned: { records: 1390, steps: { account: { records: 1100, fields: { "/email": 1100 } } } }, … }
 */
export interface VersionReport {
  flow: string;
  version: number;
  /** The flow's newest version in the flows file; null for an unknown flow. */
  newest: number | null;
  policy: VersionPolicy;
  total: number;
  /** Migrated with every step's data still valid. */
  migrated: number;
  /** Migrated, with steps sent back to the user: per step, and per field path in it. */
  returned: { records: number; steps: Record<string, StepReturns> };
  /** Records whose migration dropped a step's data (it no longer applies), per step. */
  dropped: Record<string, number>;
  /** Records whose migration throws (`definition-error`), or that kept changing. */
  failed: FailureReport;
  /** Started again on the newest version (`restart`). */
  restarted: number;
  /** Answered 410 `flow-expired` (`expire`); left in the store until purged. */
  withdrawn: number;
  /** Kept on their version (`keep`). */
  kept: number;
  /** Completed on this version, which they stay on. */
  completed: number;
  /** Past their expiry: moved only if recovered; not touched here. */
  expired: number;
  /** Not served at all: 410 `definition-retired`, or 404 for an unknown flow. */
  notServed: number;
  /** Moved on or removed by another writer during the walk; left alone. */
  changedMeanwhile: number;
}

/** How many records one step was sent back in, and which field paths failed how often. */
export interface StepReturns {
  records: number;
  fields: Record<string, number>;
}

/** The records of a version that fail: how many, the first few ids, each reason's count. */
export interface FailureReport {
  records: number;
  /** The first few, in the order the walk met them. */
  flowIds: string[];
  /** Each failure's message (no user data: it names the hook and versions), and its count. */
  errors: Record<string, number>;
}

/** What one record comes to. */
type Outcome =
  | { kind: "current" | "expired" | "completed" | "kept" | "withdrawn" | "notServed" }
  | { kind: "changedMeanwhile" }
  | { kind: "failed"; reason: string }
  | { kind: "moved"; settled: Settled; restarted: boolean };

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
  const report: MigrationReport = {
    dryRun,
    scanned: 0,
    current: 0,
    moved: 0,
    failed: 0,
    versions: [],
  };
  const rows = new Map<string, VersionReport>();

  /** Decides, and unless this is a dry run applies, what happens to one record. */
  async function handle(scanned: FlowRecord): Promise<Outcome> {
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
      tally(report, () => rowOf(rows, registry, record), record, await handle(record));
    }
    cursor = batch.cursor;
    onProgress?.(report.scanned);
  } while (cursor !== undefined);

  report.versions = [...rows.values()].sort((a, b) =>
    a.flow === b.flow ? a.version - b.version : a.flow < b.flow ? -1 : 1,
  );
  return report;
}

/**
 * What a server would do to `record` at `now`, in the order it looks: an unknown flow,
 * the newest version, expiry, then the record's placement.
 */
async function decide(registry: FlowRegistry, record: FlowRecord, now: Date): Promise<Outcome> {
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

/** The report entry of `record`'s flow and version, made on first use. */
function rowOf(
  rows: Map<string, VersionReport>,
  registry: FlowRegistry,
  { flow, definitionVersion: version }: FlowRecord,
): VersionReport {
  const key = `${flow}\u0000${version}`;
  let row = rows.get(key);
  if (!row) {
    const newest = registry.latest(flow);
    row = {
      flow,
      version,
      newest: newest?.version ?? null,
      policy: newest ? (registry.policy(flow, version) ?? "none") : "unknown-flow",
      total: 0,
      migrated: 0,
      returned: { records: 0, steps: {} },
      dropped: {},
      failed: { records: 0, flowIds: [], errors: {} },
      restarted: 0,
      withdrawn: 0,
      kept: 0,
      completed: 0,
      expired: 0,
      notServed: 0,
      changedMeanwhile: 0,
    };
    rows.set(key, row);
  }
  return row;
}

/** Counts one record's outcome in the totals and, unless it is current, its version's entry. */
function tally(
  report: MigrationReport,
  rowOfRecord: () => VersionReport,
  record: FlowRecord,
  outcome: Outcome,
) {
  report.scanned += 1;
  if (outcome.kind === "current") {
    report.current += 1;
    return;
  }
  const row = rowOfRecord();
  row.total += 1;
  switch (outcome.kind) {
    case "expired":
    case "completed":
    case "kept":
    case "withdrawn":
    case "notServed":
    case "changedMeanwhile":
      row[outcome.kind] += 1;
      break;
    case "failed": {
      report.failed += 1;
      row.failed.records += 1;
      if (row.failed.flowIds.length < failedIdsShown) row.failed.flowIds.push(record.id);
      row.failed.errors[outcome.reason] = (row.failed.errors[outcome.reason] ?? 0) + 1;
      break;
    }
    case "moved": {
      report.moved += 1;
      const { returned, dropped } = outcome.settled;
      if (outcome.restarted) row.restarted += 1;
      else if (returned.length === 0) row.migrated += 1;
      else row.returned.records += 1;
      for (const { step, errors } of returned) {
        const counts = row.returned.steps[step] ?? { records: 0, fields: {} };
        row.returned.steps[step] = counts;
        counts.records += 1;
        // A field with two errors is one field sent back.
        for (const path of new Set(errors.map((error) => error.path))) {
          counts.fields[path] = (counts.fields[path] ?? 0) + 1;
        }
      }
      for (const step of dropped) row.dropped[step] = (row.dropped[step] ?? 0) + 1;
      break;
    }
  }
}
