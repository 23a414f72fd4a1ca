import type { MigrationReport, VersionReport } from "../service/migration-report.ts";

/** One line of the table: its depth, its text, and the count it shows, if any. */
type Line = [depth: number, text: string, count?: number];

/**
 * The report of `waymark migrate` as a table for people: per flow and older version, a
 * line per outcome with its count (outcomes that no flow had are left out), the steps
 * and field paths sent back, and what failed. `--json` prints the report itself.
 *
 * @example process.stdout.write(formatMigrationReport(report));
 */
export function formatMigrationReport(report: MigrationReport): string {
  const { dryRun, scanned, current, moved, failed } = report;
  const head = `${scanned} ${flows(scanned)} scanned, ${current} on their flow's newest version.`;
  const lines = report.versions.flatMap((version) => [
    [0, ""] as Line,
    ...versionLines(version, dryRun),
  ]);
  const width = Math.max(
    0,
    ...lines.map(([depth, text, count]) => (count === undefined ? 0 : 2 * depth + text.length)),
  );
  const table = lines.map(([depth, text, count]) =>
    count === undefined
      ? `${"  ".repeat(depth)}${text}`
      : `${`${"  ".repeat(depth)}${text}`.padEnd(width)}  ${String(count).padStart(7)}`,
  );
  const foot =
    report.versions.length === 0
      ? "Nothing to do."
      : dryRun
        ? `${moved} ${flows(moved)} would move, ${failed} would fail. Nothing was written.`
        : `${moved} ${flows(moved)} moved, ${failed} failed.`;
  return `${[head, ...table, "", foot].join("\n")}\n`;
}

function versionLines(version: VersionReport, dryRun: boolean): Line[] {
  const { flow, version: from, newest, policy, total } = version;
  const title =
    policy === "unknown-flow"
      ? `${flow} v${from} (not in the flows file)`
      : policy === "none"
        ? `${flow} v${from} (no policy in v${newest})`
        : `${flow} v${from} → v${newest} (${policy})`;
  const lines: Line[] = [[0, title, total]];
  const add = (count: number, text: string) => {
    if (count > 0) lines.push([1, text, count]);
  };
  add(version.migrated, dryRun ? "migrate cleanly" : "migrated cleanly");
  const { returned } = version;
  add(returned.records, dryRun ? "migrate, sent back to a step" : "migrated, sent back to a step");
  for (const [step, { records, fields }] of Object.entries(returned.steps)) {
    lines.push([2, step, records]);
    for (const [path, count] of Object.entries(fields))
      lines.push([3, path || "(whole step)", count]);
  }
  const dropped = Object.entries(version.dropped);
  if (dropped.length > 0) lines.push([1, "step data dropped (the step no longer applies)"]);
  for (const [step, count] of dropped) lines.push([2, step, count]);
  add(version.restarted, dryRun ? "restart with no data" : "restarted with no data");
  const { failed } = version;
  add(failed.records, dryRun ? "fail: left as they are" : "failed: left as they were");
  for (const [reason, count] of Object.entries(failed.errors))
    lines.push([2, `${count} × ${reason}`]);
  if (failed.flowIds.length > 0) {
    const more = failed.records > failed.flowIds.length ? ", …" : "";
    lines.push([2, `flow ids: ${failed.flowIds.join(", ")}${more}`]);
  }
  add(version.withdrawn, "withdrawn: answer 410 flow-expired");
  add(version.kept, `kept on v${from}`);
  add(version.completed, `completed: stay on v${from}`);
  add(version.expired, "expired: move only if recovered");
  add(
    version.notServed,
    policy === "unknown-flow"
      ? "not served: 404 unknown-flow"
      : "not served: 410 definition-retired",
  );
  add(version.changedMeanwhile, "changed by another writer meanwhile: left alone");
  return lines;
}

function flows(count: number): string {
  return count === 1 ? "flow" : "flows";
}
