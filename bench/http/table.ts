/** The results as a markdown table, each Waymark variant with ratios to its references. */
import type { Variant } from "./servers.ts";

export interface Row {
  variant: Variant;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  storeOpsPerRequest: number;
  non2xx: number;
  errors: number;
}

/** What each Waymark variant is compared with (the targets say which ratio counts). */
export const references: Partial<Record<Variant, Variant[]>> = {
  "waymark-sqlite": ["floor-sqlite", "memory-map"],
  "waymark-node-sqlite": ["floor-sqlite"],
  "waymark-postgres": ["floor-postgres"],
  "waymark-redis": ["floor-redis", "express-session-redis"],
  "waymark-token": ["memory-map"],
};

export function find(rows: Row[], variant: Variant, connections: number): Row | undefined {
  return rows.find((row) => row.variant === variant && row.connections === connections);
}

function ratios(rows: Row[], row: Row): string {
  const parts = (references[row.variant] ?? []).flatMap((name) => {
    const reference = find(rows, name, row.connections);
    if (!reference) return [];
    const throughput = (row.reqPerSec / reference.reqPerSec).toFixed(2);
    const cpu = (row.cpuMicrosPerRequest / reference.cpuMicrosPerRequest).toFixed(2);
    return [`${name}: ${throughput}× req/s, ${cpu}× CPU`];
  });
  return parts.join("; ") || "–";
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    "| variant | conns | req/s | p50 ms | p99 ms | server CPU µs/req | store ops/req | vs reference | non-2xx | errors |",
    "| --- | --: | --: | --: | --: | --: | --: | --- | --: | --: |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.variant} | ${row.connections} | ${Math.round(row.reqPerSec).toLocaleString("en")} | ` +
        `${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${Math.round(row.cpuMicrosPerRequest)} | ` +
        `${row.storeOpsPerRequest.toFixed(2)} | ${ratios(rows, row)} | ${row.non2xx} | ${row.errors} |`,
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
