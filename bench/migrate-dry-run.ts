/**
 * `waymark migrate` on a SQLite file holding 10,000 onboarding flows on version 1 (a mix
 * of steps reached, completed, expired and already moved): the dry run's records/s at a
 * few batch sizes, then a real run and a rerun on a copy of the file. Run with
 * `npm run bench`, or `tsx bench/migrate-dry-run.ts`; BENCH_MIGRATE_FLOWS sets the count.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { defineFlow } from "../src/flow/define.ts";
import { createRegistry } from "../src/flow/registry.ts";
import type { FlowData, FlowRecord } from "../src/flow/types.ts";
import { migrateStore } from "../src/service/migrate-store.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "../test/support/onboarding-data.ts";

const flows = Number(process.env.BENCH_MIGRATE_FLOWS ?? 10_000);
const hour = 3_600_000;

const [personal, contract, company, accept] = onboarding.steps;
if (!(personal && contract && company && accept)) throw new Error("onboarding has four steps");

/** Version 2 asks for a country, which the migration reads off the email's domain. */
const onboardingV2 = defineFlow({ name: "onboarding", version: 2, ttl: "7d" })
  .step({
    name: personal.name,
    title: personal.title,
    schema: (personal.schema as z.ZodObject).extend({ country: z.string().length(2) }),
  })
  .step(contract)
  .step(company)
  .step(accept)
  .migrateFrom(onboarding, (data) => {
    const info = data["personal-info"];
    if (!info) return data;
    if (info.lastName === "Broken") throw new Error("a migration bug");
    const tld = String(info.email).split(".").pop() ?? "";
    return {
      ...data,
      "personal-info": { ...info, ...(tld.length === 2 ? { country: tld.toUpperCase() } : {}) },
    };
  });
const registry = createRegistry([onboardingV2]);

/**
 * The i-th flow of the mix: 40% stopped after a step with a country in the email (clean),
 * 20% without one (sent back to personal-info), 20% completed, 10% expired, 9.9% on
 * version 2 already, and 0.1% whose migration throws.
 */
function mixed(i: number, now: number): FlowRecord {
  const slot = i % 1000;
  const info = {
    ...personalInfo,
    email: slot < 400 ? `ada${i}@example.nl` : `ada${i}@example.com`,
  };
  const steps: Array<[string, FlowData[string]]> = [
    ["personal-info", slot === 999 ? { ...info, lastName: "Broken" } : info],
    ["contract-details", i % 2 ? contractorContract : employeeContract],
    ...(i % 2 ? [["company-details", companyDetails] as [string, FlowData[string]]] : []),
  ];
  const reached = slot >= 600 && slot < 800 ? steps.length : 1 + (i % steps.length);
  const data: Record<string, FlowData[string]> = Object.fromEntries(steps.slice(0, reached));
  if (slot >= 600 && slot < 800) data.review = review;
  const expired = slot >= 800 && slot < 900;
  const expiresAt = expired ? now - hour : now + 24 * hour;
  return {
    id: crypto.randomUUID(),
    flow: "onboarding",
    definitionVersion: slot >= 900 && slot < 999 ? 2 : 1,
    version: 1 + reached,
    data,
    createdAt: now - 48 * hour,
    updatedAt: expiresAt - onboarding.ttlMs,
    expiresAt,
    keepUntil: expiresAt + 30 * 24 * hour,
  };
}

/** Copies a closed SQLite file, with its write-ahead log if one is left. */
function copyDatabase(from: string, to: string) {
  for (const suffix of ["", "-wal"]) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
}

/** Runs one walk of the file at `path` and prints its rate. */
async function timed(label: string, path: string, dryRun: boolean, batchSize = 500) {
  const store = createSqliteStore({ path });
  const started = performance.now();
  const report = await migrateStore(store, registry, { dryRun, batchSize });
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  console.log(
    `${label.padEnd(30)} ${String(report.scanned).padStart(6)} records in ${(seconds * 1000).toFixed(0).padStart(5)} ms: ` +
      `${String(Math.round(report.scanned / seconds)).padStart(7)} records/s ` +
      `(${report.moved} moved, ${report.failed} failed)`,
  );
  return report;
}

const dir = mkdtempSync(join(tmpdir(), "waymark-bench-migrate-"));
try {
  const path = join(dir, "flows.db");
  const store = createSqliteStore({ path });
  const now = Date.now();
  const seeding = performance.now();
  for (let i = 0; i < flows; i += 1) await store.create(mixed(i, now));
  await store.close();
  console.log(
    `${flows} onboarding flows seeded on a SQLite file in ${(performance.now() - seeding).toFixed(0)} ms; ` +
      "v1 → v2 adds a required country",
  );
  const first = await timed("dry run, first (cold)", path, true);
  const [v1] = first.versions;
  console.log(
    `  the mix: ${v1?.migrated} clean, ${v1?.returned.records} sent back, ${v1?.completed} completed, ` +
      `${v1?.expired} expired, ${v1?.failed.records} failing, ${first.current} on v2 already`,
  );
  for (const batchSize of [100, 500, 2_000]) {
    await timed(`dry run, batches of ${batchSize}`, path, true, batchSize);
  }
  const copy = join(dir, "copy.db");
  copyDatabase(path, copy);
  await timed("real run on a copy", copy, false);
  await timed("rerun (nothing left to move)", copy, false);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
