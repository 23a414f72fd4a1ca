import { InvalidArgumentError } from "commander";
import { createRegistry, type FlowRegistry } from "../flow/registry.ts";
import { migrateStore } from "../service/migrate-store.ts";
import { openStore } from "../store/open.ts";
import type { FlowStore } from "../store/types.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";
import { loadFlows } from "./load-flows.ts";
import { formatMigrationReport } from "./migrate-report.ts";
import { progressLine } from "./progress-line.ts";

/** The flags of `waymark migrate`. */
export interface MigrateFlags extends ConfigFlags {
  flows: string;
  dryRun?: true;
  batchSize?: number;
  json?: true;
}

/**
 * Reads `--batch-size`: a whole number of records from 1 to 100000.
 *
 * @throws InvalidArgumentError otherwise, which commander reports as a usage error.
 */
export function parseBatchSize(value: string): number {
  if (!/^[1-9]\d{0,5}$/.test(value) || Number(value) > 100_000) {
    throw new InvalidArgumentError("expected a whole number of records from 1 to 100000");
  }
  return Number(value);
}

/**
 * `waymark migrate`: walks the store, prints what happens to the flows of each older
 * definition version (a table, or JSON), and unless `--dry-run` moves them. Resolves the
 * exit code: 0 when no flow failed (or would), 1 when one did, 2 when the command could
 * not run (a flows file that does not load, a store that cannot be opened or read).
 */
export async function runMigrate(flags: MigrateFlags): Promise<number> {
  let registry: FlowRegistry;
  let store: FlowStore;
  try {
    const flows = await loadFlows(flags.flows);
    try {
      registry = createRegistry(flows);
    } catch (error) {
      return fail(`cannot migrate with the flows of ${flags.flows}: ${messageOf(error)}`);
    }
  } catch (error) {
    return fail(messageOf(error));
  }
  try {
    store = await openStore(resolveConfig(["store"], flags).store, { mustExist: true });
  } catch (error) {
    return fail(messageOf(error));
  }
  const dryRun = flags.dryRun === true;
  const progress = progressLine(process.stderr, "waymark migrate", "flows scanned");
  try {
    const report = await migrateStore(store, registry, {
      dryRun,
      batchSize: flags.batchSize,
      onProgress: progress.update,
    });
    progress.done();
    process.stdout.write(
      flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatMigrationReport(report),
    );
    return report.failed > 0 ? 1 : 0;
  } catch (error) {
    progress.done();
    const stopped = dryRun ? "" : " (the flows moved so far stay moved: run it again to go on)";
    return fail(`${messageOf(error)}${stopped}`);
  } finally {
    await store.close();
  }
}

function fail(message: string): 2 {
  process.stderr.write(`waymark: ${message}\n`);
  return 2;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
