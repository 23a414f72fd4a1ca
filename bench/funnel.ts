/**
 * `computeFunnel` on a SQLite file holding onboarding flows driven through the use cases
 * (so each has its real event log): a mix that stops at each step, completes, and is
 * refused (422) on the way. Prints the time of one funnel at a few batch sizes, and the
 * process's memory. Run with `tsx --conditions=waymark-source bench/funnel.ts`;
 * BENCH_FUNNEL_FLOWS sets the count (default 10,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createFlowService } from "../src/service/flows.ts";
import { computeFunnel } from "../src/service/funnel.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "../test/support/onboarding-data.ts";

const flows = Number(process.env.BENCH_FUNNEL_FLOWS ?? 10_000);
const start = Date.UTC(2026, 10, 24);

const dir = mkdtempSync(join(tmpdir(), "waymark-bench-funnel-"));
const path = join(dir, "flows.db");
try {
  const store = createSqliteStore({ path });
  const service = createFlowService({ flows: [onboarding], store });
  const seeded = performance.now();
  for (let i = 0; i < flows; i++) {
    let at = start + i * 30_000;
    const now = () => {
      at += 20_000 + (i % 7) * 5_000;
      return new Date(at);
    };
    const { flowId } = await service.start("onboarding", { now: new Date(at) });
    const steps: [string, unknown][] = [
      ["1", personalInfo],
      ["2", i % 3 === 0 ? contractorContract : employeeContract],
      ...(i % 3 === 0 ? [["3", companyDetails] as [string, unknown]] : []),
      ["4", review],
    ];
    // One flow in five stops at each step; the rest complete.
    const stopAt = i % 5 === 4 ? steps.length : i % 5;
    for (const [index, [step, data]] of steps.entries()) {
      if (index === stopAt) {
        await service.submit("onboarding", flowId, step, {}, { now: now() }).catch(() => undefined);
        break;
      }
      await service.submit("onboarding", flowId, step, data, { now: now() });
    }
  }
  console.log(`seeded ${flows} flows in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  const registry = service.registry;
  for (const batchSize of [100, 500, 2000]) {
    const began = performance.now();
    const report = await computeFunnel({
      store,
      registry,
      flow: "onboarding",
      since: start,
      until: start + 365 * 86_400_000,
      batchSize,
    });
    const ms = performance.now() - began;
    const counted = report.versions[0]?.started ?? 0;
    const rss = Math.round(process.memoryUsage().rss / 1_048_576);
    console.log(
      `batch ${batchSize}: ${counted} flows in ${ms.toFixed(0)} ms (${Math.round((counted / ms) * 1000)} flows/s), rss ${rss} MiB`,
    );
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
