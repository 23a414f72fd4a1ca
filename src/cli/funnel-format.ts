import { type FunnelReport, type FunnelStep, failedFieldLabel } from "../contract/funnel.ts";

/** Failed fields a table shows per step; `--json` has them all. */
const fieldsShown = 3;

/**
 * A funnel report as text: per definition version, a line of totals, then a table of its
 * steps (reached, completed, stopped, skipped, median and p90 time, top failed fields).
 *
 * @example formatFunnel(report) // "onboarding flows started from … to …\n\nversion 1: 12 started, …"
 */
export function formatFunnel(report: FunnelReport): string {
  const heading = `${report.flow} flows started from ${report.since} to ${report.until}\n`;
  if (report.versions.length === 0) return `${heading}\nnone\n`;
  const parts = report.versions.map((version) => {
    const rate = `${(version.completionRate * 100).toFixed(1)}%`;
    const totals = `definition version ${version.definitionVersion}: ${version.started} started, ${version.completed} completed (${rate})`;
    return `${totals}\n${table(version.steps)}`;
  });
  return `${heading}\n${parts.join("\n")}`;
}

function table(steps: readonly FunnelStep[]): string {
  const header = [
    "step",
    "reached",
    "completed",
    "stopped",
    "skipped",
    "median",
    "p90",
    "top failed fields",
  ];
  const rows = steps.map((step) => [
    `${step.number} ${step.name}`,
    String(step.reached),
    String(step.completed),
    String(step.stopped),
    String(step.skipped),
    formatDuration(step.timeMs.median),
    formatDuration(step.timeMs.p90),
    step.failedFields
      .slice(0, fieldsShown)
      .map(({ field, count }) => `${failedFieldLabel(field).label} ${count}`)
      .join(", "),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  // Text left, numbers right.
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 || column === 7 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/**
 * Milliseconds, readably: `850ms`, `42s`, `3m 20s`, `5h 02m`, `2d 4h`; `-` for none.
 *
 * @example formatDuration(200_000) // "3m 20s"
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1_000) return `${ms}ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
