import { InvalidArgumentError } from "commander";
import type { FunnelReport } from "../contract/funnel.ts";
import { parseDuration } from "../flow/define.ts";
import { createRegistry, type FlowRegistry } from "../flow/registry.ts";
import { computeFunnel } from "../service/funnel.ts";
import { openStore } from "../store/open.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";
import { formatFunnel } from "./funnel-format.ts";
import { loadFlows } from "./load-flows.ts";

/** The flags of `waymark funnel`. */
export interface FunnelFlags extends ConfigFlags {
  flows: string;
  since: string;
  until?: string;
  batchSize?: number;
  json?: true;
}

/** An RFC 3339 date-time with its offset, such as `2026-11-24T00:00:00Z`. */
const instantPattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Reads `--since` or `--until`: a duration back from `now` (`7d`, `24h`, `30m`), or an
 * RFC 3339 instant (`2026-11-24T00:00:00Z`). Epoch milliseconds.
 *
 * @throws InvalidArgumentError for anything else, which commander reports as a usage error.
 * @example parseInstant("24h", Date.UTC(2026, 11, 1)) // Date.UTC(2026, 10, 30)
 */
export function parseInstant(value: string, now: number): number {
  if (instantPattern.test(value)) {
    const at = Date.parse(value);
    if (Number.isFinite(at)) return at;
  } else {
    try {
      return now - parseDuration(value);
    } catch {
      // Said below, in the command's own words.
    }
  }
  throw new InvalidArgumentError(
    `expected a duration back from now such as 7d, 24h or 30m, or an RFC 3339 instant such as 2026-11-24T00:00:00Z, not "${value}"`,
  );
}

/**
 * `waymark funnel FLOW`: computes the funnel of the flows started in the window, from
 * the store, and prints it as a table per definition version, or with `--json` as the
 * `FunnelReport` itself. Resolves the exit code: 0 when printed, 2 when the command could
 * not run (a bad window, a flows file that does not load or lacks the flow, a store that
 * cannot be opened, read or list its flows).
 */
export async function runFunnel(flow: string, flags: FunnelFlags): Promise<number> {
  const now = Date.now();
  let since: number;
  let until: number;
  try {
    since = parseInstant(flags.since, now);
    until = flags.until === undefined ? now : parseInstant(flags.until, now);
  } catch (error) {
    return fail(`${messageOf(error)}`);
  }
  if (since >= until) {
    return fail(
      `the window is empty: --since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`,
    );
  }
  let registry: FlowRegistry;
  try {
    registry = createRegistry(await loadFlows(flags.flows));
  } catch (error) {
    return fail(`cannot read the flows of ${flags.flows}: ${messageOf(error)}`);
  }
  if (!registry.latest(flow)) {
    const known = registry.names.join(", ") || "none";
    return fail(`${flags.flows} has no flow named "${flow}" (it has: ${known})`);
  }
  let report: FunnelReport;
  try {
    const store = await openStore(resolveConfig(["store"], flags).store, { mustExist: true });
    try {
      report = await computeFunnel({
        store,
        registry,
        flow,
        since,
        until,
        batchSize: flags.batchSize,
      });
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(messageOf(error));
  }
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatFunnel(report));
  return 0;
}

function fail(message: string): 2 {
  process.stderr.write(`waymark: ${message}\n`);
  return 2;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
