import { InvalidArgumentError } from "commander";
import { openStore, redact } from "../store/open.ts";
import type { Delivery, FlowStore } from "../store/types.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";
import { deliveryRow, formatDeliveries } from "./deliveries-format.ts";

/** The flags of `waymark deliveries`. */
export interface DeliveriesFlags extends ConfigFlags {
  dead?: true;
  json?: true;
  limit?: number;
}

/** The flags of `waymark deliveries retry`. */
export interface RetryFlags extends ConfigFlags {
  allDead?: true;
}

/** The outbox methods an operator's commands use. */
export type OutboxListing = Pick<FlowStore, "listDeliveries" | "retryDelivery">;

/** What a command has to say, and its exit code: 0 done, 1 partly done, 2 could not run. */
export interface CommandResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** Deliveries listed at most, by default. */
const DEFAULT_LIMIT = 100;
/** Deliveries asked of the store per page. */
const PAGE = 500;
const NO_OUTBOX =
  "keeps no outbox: its backend does not implement listDeliveries and retryDelivery";

/**
 * Reads `--limit`: a whole number of deliveries from 1 to 100000.
 *
 * @throws InvalidArgumentError otherwise, which commander reports as a usage error.
 */
export function parseLimit(value: string): number {
  if (!/^[1-9]\d{0,5}$/.test(value) || Number(value) > 100_000) {
    throw new InvalidArgumentError("expected a whole number of deliveries from 1 to 100000");
  }
  return Number(value);
}

/**
 * `waymark deliveries` on an open store: the pending (or, with `dead`, dead) deliveries,
 * oldest first, up to `limit`, as a table or JSON. Exit code 2 when the store keeps no
 * outbox.
 *
 * @example const { code, stdout } = await listDeliveriesCommand(store, { dead: true });
 */
export async function listDeliveriesCommand(
  store: OutboxListing,
  { dead, json, limit = DEFAULT_LIMIT }: Pick<DeliveriesFlags, "dead" | "json" | "limit">,
): Promise<CommandResult> {
  const list = store.listDeliveries?.bind(store);
  if (!list) return noOutbox();
  const state = dead ? "dead" : "pending";
  const found: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ state, limit: Math.min(PAGE, limit - found.length), cursor });
    found.push(...page.deliveries);
    cursor = page.cursor;
  } while (cursor !== undefined && found.length < limit);
  const shown = found.slice(0, limit);
  const more = cursor !== undefined || found.length > limit;
  return {
    code: 0,
    stdout: json
      ? `${JSON.stringify(shown.map(deliveryRow), null, 2)}\n`
      : formatDeliveries(shown, { state, more }),
    stderr: "",
  };
}

/**
 * `waymark deliveries retry` on an open store: puts the dead deliveries under `keys`
 * (or, with `allDead`, every dead one) back to pending, due at `now`. Exit code 1 when a
 * key names no dead delivery, 2 when the store keeps no outbox or there is nothing to do.
 *
 * @example await retryDeliveriesCommand(store, ["webhook:https://example.com/hooks 3f0c:2:0"], {}, Date.now())
 */
export async function retryDeliveriesCommand(
  store: OutboxListing,
  keys: readonly string[],
  { allDead }: Pick<RetryFlags, "allDead">,
  now: number,
): Promise<CommandResult> {
  const list = store.listDeliveries?.bind(store);
  const retry = store.retryDelivery?.bind(store);
  if (!list || !retry) return noOutbox();
  const byKey = keys.length > 0;
  if (byKey === (allDead === true)) {
    return {
      code: 2,
      stdout: "",
      stderr: "waymark: name the deliveries to retry by key, or give --all-dead\n",
    };
  }
  const targets = [...keys];
  if (allDead) {
    // Every key first, then the retries, so that paging does not see its own changes.
    let cursor: string | undefined;
    do {
      const page = await list({ state: "dead", limit: PAGE, cursor });
      targets.push(...page.deliveries.map((delivery) => delivery.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
  const missing: string[] = [];
  let retried = 0;
  for (const key of targets) {
    if (await retry(key, now)) retried += 1;
    else missing.push(key);
  }
  return {
    code: missing.length > 0 ? 1 : 0,
    stdout: `${retried} ${retried === 1 ? "delivery" : "deliveries"} put back, due now.\n`,
    stderr: missing.map((key) => `waymark: no dead delivery with key ${key}\n`).join(""),
  };
}

/** `waymark deliveries`: opens the store, lists, closes; resolves the exit code. */
export async function runDeliveries(flags: DeliveriesFlags): Promise<number> {
  return withStore(flags, (store) => listDeliveriesCommand(store, flags));
}

/** `waymark deliveries retry`: opens the store, retries, closes; resolves the exit code. */
export async function runRetryDeliveries(keys: string[], flags: RetryFlags): Promise<number> {
  return withStore(flags, (store) => retryDeliveriesCommand(store, keys, flags, Date.now()));
}

async function withStore(
  flags: ConfigFlags,
  command: (store: FlowStore) => Promise<CommandResult>,
): Promise<number> {
  let store: FlowStore;
  const { store: url } = resolveConfig(["store"], flags);
  try {
    store = await openStore(url, { mustExist: true });
  } catch (error) {
    process.stderr.write(`waymark: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  try {
    if (!store.listDeliveries || !store.retryDelivery) {
      process.stderr.write(`waymark: the store ${redact(url)} ${NO_OUTBOX}\n`);
      return 2;
    }
    const result = await command(store);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.code;
  } catch (error) {
    process.stderr.write(`waymark: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await store.close();
  }
}

function noOutbox(): CommandResult {
  return { code: 2, stdout: "", stderr: `waymark: this store ${NO_OUTBOX}\n` };
}
