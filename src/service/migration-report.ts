import type { Settled } from "../flow/placement.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { FlowRecord, RetiredPolicy } from "../flow/types.ts";

/** How many flow ids of failed records a report names, per version. */
const failedIdsShown = 5;

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

/** What one record comes to, as `migrateStore` counts it. */
export type RecordOutcome = { kind: "current" } | CountedOutcome;

/** The outcome of a record on an older version, which its version's entry counts. */
type CountedOutcome =
  | { kind: "expired" | "completed" | "kept" | "withdrawn" | "notServed" | "changedMeanwhile" }
  | { kind: "failed"; reason: string }
  | { kind: "moved"; settled: Settled; restarted: boolean };

/**
 * A report being counted: {@link ReportTally.count} takes each record's outcome,
 * {@link ReportTally.report} gives the report so far, versions sorted by flow name, then
 * version.
 *
 * @example
 * const tally = createReportTally(registry, true);
 * tally.count(record, { kind: "expired" });
 * tally.report().versions[0]?.expired // 1
 */
export interface ReportTally {
  count(record: FlowRecord, outcome: RecordOutcome): void;
  report(): MigrationReport;
}

/** Starts counting a {@link MigrationReport}; `registry` names each version's policy. */
export function createReportTally(registry: FlowRegistry, dryRun: boolean): ReportTally {
  const totals = { dryRun, scanned: 0, current: 0, moved: 0, failed: 0 };
  const rows = new Map<string, VersionReport>();
  return {
    count(record, outcome) {
      totals.scanned += 1;
      if (outcome.kind === "current") totals.current += 1;
      else if (outcome.kind === "moved") totals.moved += 1;
      else if (outcome.kind === "failed") totals.failed += 1;
      if (outcome.kind !== "current") countIn(rowOf(rows, registry, record), record, outcome);
    },
    report: () => ({
      ...totals,
      versions: [...rows.values()]
        .sort((a, b) => (a.flow === b.flow ? a.version - b.version : a.flow < b.flow ? -1 : 1))
        .map((row) => inOrder(row, registry)),
    }),
  };
}

/**
 * A version's entry with its keys in an order that does not depend on the order the walk
 * met the records in: steps sent back in the newest definition's step order, field
 * paths, dropped steps and failure reasons alphabetically.
 */
function inOrder(row: VersionReport, registry: FlowRegistry): VersionReport {
  const steps = registry.latest(row.flow)?.steps.map((step) => step.name) ?? [];
  const returned = Object.entries(row.returned.steps)
    .sort(([a], [b]) => steps.indexOf(a) - steps.indexOf(b))
    .map(([step, counts]) => [step, { ...counts, fields: sortedKeys(counts.fields) }]);
  return {
    ...row,
    returned: { ...row.returned, steps: Object.fromEntries(returned) },
    dropped: sortedKeys(row.dropped),
    failed: { ...row.failed, errors: sortedKeys(row.failed.errors) },
  };
}

function sortedKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
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
    row = emptyVersionReport({
      flow,
      version,
      newest: newest?.version ?? null,
      policy: newest ? (registry.policy(flow, version) ?? "none") : "unknown-flow",
    });
    rows.set(key, row);
  }
  return row;
}

/** Counts one record's outcome in its version's entry. */
function countIn(row: VersionReport, record: FlowRecord, outcome: CountedOutcome) {
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
      row.failed.records += 1;
      if (row.failed.flowIds.length < failedIdsShown) row.failed.flowIds.push(record.id);
      row.failed.errors[outcome.reason] = (row.failed.errors[outcome.reason] ?? 0) + 1;
      break;
    }
    case "moved": {
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

/**
 * A version's entry of a {@link MigrationReport} with every count at zero.
 *
 * @example emptyVersionReport({ flow: "signup", version: 1, newest: 2, policy: "migrate" }).total // 0
 */
export function emptyVersionReport(
  head: Pick<VersionReport, "flow" | "version" | "newest" | "policy">,
): VersionReport {
  return {
    ...head,
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
}
