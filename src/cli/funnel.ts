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
  /** @default "7d", as on the admin page */
  since?: string;
  until?: string;
  batchSize?: number;
  json?: true;
}

/** The window's start when `--since` is not given, as on the admin page. */
const defaultSince = "7d";

/** An RFC 3339 date-time with its offset, such as `2026-11-24T00:00:00Z`. */
const instantPattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
/** A duration as flow definitions write it: `7d`, `24h`, `30m`, `10s`, `500ms`. */
const durationShape = /^\d+\s*(ms|s|m|h|d)$/;
/** How far back a duration reaches: that of the longest time to live, 10 years. */
const maxBackDays = 3660;

/**
 * Reads `--since` or `--until`: a duration back from `now` (`7d`, `24h`, `30m`), up to
 * 10 years (3660d), or an RFC 3339 instant (`2026-11-24T00:00:00Z`) that exists: its
 * fields are checked (no 30 February, no 29 February out of a leap year, no hour 24, no
 * leap second, an offset within ±23:59). Epoch milliseconds.
 *
 * @throws InvalidArgumentError for anything else, which commander reports as a usage
 * error, saying which: a date or time that does not exist, a duration too far back, or
 * neither shape.
 * @example parseInstant("24h", Date.UTC(2026, 11, 1)) // Date.UTC(2026, 10, 30)
 */
export function parseInstant(value: string, now: number): number {
  const fields = instantPattern.exec(value);
  if (fields) {
    const at = Date.parse(value);
    if (
      Number.isFinite(at) &&
      fieldsExist(fields.slice(1).map((field) => (field === undefined ? 0 : Number(field))))
    )
      return at;
    throw new InvalidArgumentError(
      `"${value}" is not a valid RFC 3339 instant: no such date or time (such as 2026-11-24T00:00:00Z)`,
    );
  }
  if (durationShape.test(value.trim())) {
    let ms: number | undefined;
    try {
      ms = parseDuration(value);
    } catch {
      // Zero, or more than the durations of flow definitions reach: said below.
    }
    if (ms !== undefined && ms <= maxBackDays * 86_400_000) return now - ms;
    if (!/^0+\s*[a-z]+$/.test(value.trim())) {
      throw new InvalidArgumentError(
        `"${value}" is too far back: a duration reaches back at most 10 years (${maxBackDays}d); give an RFC 3339 instant for an earlier time`,
      );
    }
  }
  throw new InvalidArgumentError(
    `expected a duration back from now such as 7d, 24h or 30m (positive, at most ${maxBackDays}d), or an RFC 3339 instant such as 2026-11-24T00:00:00Z, not "${value}"`,
  );
}

/**
 * Whether the parsed fields name a real date and time: Date.parse rolls 30 February
 * over to 2 March, so the fields are read back from the date they give.
 */
function fieldsExist([
  year,
  month,
  day,
  hour,
  minute,
  second,
  ,
  offsetHours = 0,
  offsetMinutes = 0,
]: number[]): boolean {
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  ) {
    return false;
  }
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
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
    since = parseInstant(flags.since ?? defaultSince, now);
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
