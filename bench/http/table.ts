/** The results as a markdown table, with ratios to floor-sqlite at the same connections. */
import type { Variant } from "./servers.ts";

export interface Row {
  variant: Variant;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  storeOps: string;
  non2xx: number;
  errors: number;
}

export function markdownTable(rows: Row[]): string {
  const floorAt = (connections: number) =>
    rows.find((row) => row.variant === "floor-sqlite" && row.connections === connections);
  const lines = [
    "| variant | conns | req/s | p50 ms | p99 ms | server CPU µs/req | store ops/req | req/s ÷ floor | CPU ÷ floor | non-2xx | errors |",
    "| --- | --: | --: | --: | --: | --: | --- | --: | --: | --: | --: |",
  ];
  for (const row of rows) {
    const floor = floorAt(row.connections);
    const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "n/a");
    lines.push(
      `| ${row.variant} | ${row.connections} | ${Math.round(row.reqPerSec).toLocaleString("en")} | ` +
        `${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${Math.round(row.cpuMicrosPerRequest)} | ` +
        `${row.storeOps} | ${ratio(row.reqPerSec, floor?.reqPerSec)} | ` +
        `${ratio(row.cpuMicrosPerRequest, floor?.cpuMicrosPerRequest)} | ${row.non2xx} | ${row.errors} |`,
    );
  }
  return lines.join("\n");
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
