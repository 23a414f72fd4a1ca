/** The targets Waymark is held to, each with its measured value and PASS or FAIL. */
import type { Variant } from "./servers.ts";
import { find, type Row } from "./table.ts";

export interface Verdict {
  target: string;
  /** Undefined when a variant it needs did not run. */
  pass?: boolean | undefined;
  measured: string;
}

type Metric = "reqPerSec" | "cpuMicrosPerRequest";

/** `variant`'s metric over `reference`'s, held to at least (`min`) or at most `bound`. */
function ratio(
  rows: Row[],
  connections: number,
  [variant, reference]: [Variant, Variant],
  metric: Metric,
  bound: { min: number } | { max: number },
): Verdict {
  const what = metric === "reqPerSec" ? "req/s" : "CPU µs/req";
  const limit = "min" in bound ? `≥ ${bound.min}×` : `≤ ${bound.max}×`;
  const target = `${variant} ${what} ${limit} ${reference}'s @${connections}`;
  const a = find(rows, variant, connections);
  const b = find(rows, reference, connections);
  if (!a || !b) return { target, measured: "not run" };
  const value = a[metric] / b[metric];
  const pass = "min" in bound ? value >= bound.min : value <= bound.max;
  return { target, pass, measured: `${value.toFixed(2)}×` };
}

export function verdicts(rows: Row[], connectionCounts: number[]): Verdict[] {
  const list: Verdict[] = [];
  for (const c of connectionCounts) {
    for (const store of ["sqlite", "postgres", "redis"] as const) {
      const pair: [Variant, Variant] = [`waymark-${store}`, `floor-${store}`];
      list.push(ratio(rows, c, pair, "reqPerSec", { min: 0.8 }));
      list.push(ratio(rows, c, pair, "cpuMicrosPerRequest", { max: 1.3 }));
    }
    list.push(ratio(rows, c, ["waymark-redis", "express-session-redis"], "reqPerSec", { min: 2 }));
    list.push(ratio(rows, c, ["waymark-token", "memory-map"], "cpuMicrosPerRequest", { max: 1.5 }));
    list.push(ratio(rows, c, ["waymark-sqlite", "memory-map"], "reqPerSec", { min: 0.5 }));
  }
  for (const row of rows.filter((r) => r.variant.startsWith("waymark-"))) {
    list.push({
      target: `${row.variant} store ops per step write ≤ 2 (1 read + 1 conditional write) @${row.connections}`,
      pass: row.storeOpsPerRequest <= 2,
      measured: row.storeOpsPerRequest.toFixed(2),
    });
  }
  const at50 = rows.filter((row) => row.connections === 50);
  const variants = new Set(rows.map((row) => row.variant));
  const reported = at50.filter((row) => Number.isFinite(row.p99));
  list.push({
    target: "p99 at 50 connections reported for every variant",
    pass: reported.length === variants.size,
    measured: `${reported.length} of ${variants.size}`,
  });
  return list;
}

export function formatVerdicts(list: Verdict[]): string {
  return list
    .map(({ target, pass, measured }) => {
      const mark = pass === undefined ? "SKIP" : pass ? "PASS" : "FAIL";
      return `${mark}  ${target}: ${measured}`;
    })
    .join("\n");
}
