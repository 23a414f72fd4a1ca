/**
 * Step-write throughput and latency through the handler (no socket), on a SQLite file.
 * Run with `npm run bench`. Prints one line per store setting and checks the targets.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { contractorWalkthrough as steps } from "../test/support/onboarding-data.ts";

const flows = Number(process.env.BENCH_FLOWS ?? 4_000);
/** Targets for synchronous=normal on this 2-core machine. */
const targets = { writesPerSecond: 3_000, p99Ms: 2 };

/** An endpoint nothing delivers to here: what a step write costs with an outbox to fill. */
const webhook = { url: "http://127.0.0.1:9/hooks", secret: `whsec_${"A".repeat(43)}=` };

async function measure(synchronous: "normal" | "full", concurrency: number, webhooks = false) {
  const dir = mkdtempSync(join(tmpdir(), "waymark-bench-"));
  const store = createSqliteStore({ path: join(dir, "bench.db"), synchronous });
  const waymark = createWaymark({
    flows: [onboarding],
    store,
    ...(webhooks ? { webhooks: [webhook] } : {}),
  });
  const latencies: number[] = [];

  async function oneFlow() {
    const created = await waymark.fetch(new Request("http://bench/onboarding", { method: "POST" }));
    const { flowId } = (await created.json()) as { flowId: string };
    for (const [step, data] of steps) {
      const started = performance.now();
      const response = await waymark.fetch(
        new Request(`http://bench/onboarding/${flowId}/step/${step}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(data),
        }),
      );
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`step ${step}: ${response.status}`);
    }
  }

  let next = 0;
  const worker = async () => {
    while (next < flows) {
      next += 1;
      await oneFlow();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    synchronous,
    writesPerSecond: Math.round(latencies.length / seconds),
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: at(1),
  };
}

console.log(`${flows} onboarding flows, 4 step writes each, on a SQLite file, through the handler`);
const missed: string[] = [];
for (const synchronous of ["normal", "full"] as const) {
  // One flow at a time shows stalls (checkpoints, GC); 32 in flight shows throughput.
  for (const concurrency of [1, 32]) {
    const r = await measure(synchronous, concurrency);
    console.log(
      `synchronous=${synchronous.padEnd(6)} in flight ${String(concurrency).padStart(2)}: ` +
        `${String(r.writesPerSecond).padStart(5)} writes/s  p50 ${r.p50.toFixed(2)} ms  ` +
        `p99 ${r.p99.toFixed(2)} ms  p99.9 ${r.p999.toFixed(2)} ms  max ${r.max.toFixed(2)} ms`,
    );
    if (synchronous !== "normal") continue;
    if (concurrency === 1 && r.p99 > targets.p99Ms) missed.push(`p99 ${r.p99.toFixed(2)} ms`);
    if (concurrency === 32 && r.writesPerSecond < targets.writesPerSecond) {
      missed.push(`${r.writesPerSecond} writes/s`);
    }
  }
}
// Each event also goes to the outbox, for one webhook endpoint (not delivered here).
for (const concurrency of [1, 32]) {
  const r = await measure("normal", concurrency, true);
  console.log(
    `synchronous=normal in flight ${String(concurrency).padStart(2)}, a webhook: ` +
      `${String(r.writesPerSecond).padStart(5)} writes/s  p50 ${r.p50.toFixed(2)} ms  ` +
      `p99 ${r.p99.toFixed(2)} ms  p99.9 ${r.p999.toFixed(2)} ms  max ${r.max.toFixed(2)} ms`,
  );
}
console.log(
  `targets (synchronous=normal): p99 ≤ ${targets.p99Ms} ms one at a time, ≥ ${targets.writesPerSecond} writes/s with 32 in flight: ` +
    (missed.length === 0 ? "met" : `MISSED (${missed.join(", ")})`),
);
process.exitCode = missed.length === 0 ? 0 : 1;
