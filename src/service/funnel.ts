import type { FunnelReport } from "../contract/funnel.ts";
import { eachBounded } from "../each-bounded.ts";
import { WaymarkError } from "../errors.ts";
import type { FlowEvent } from "../flow/events.ts";
import { finishFunnel, startFunnel, tallyFlow } from "../flow/funnel.ts";
import { type FlowRegistry, unknownFlow } from "../flow/registry.ts";
import type { FlowRecord } from "../flow/types.ts";
import { rejectionHourMs } from "../store/rejections.ts";
import type { FlowStore } from "../store/types.ts";

/**
 * What {@link computeFunnel} takes: where flows are kept, the definitions to read them
 * with, the flow, and the window of start times.
 *
 * @example { store, registry: createRegistry(flows), flow: "onboarding", since: new Date(Date.now() - 7 * 86_400_000), until: new Date() }
 */
export interface FunnelInput {
  /** The store; undefined in token mode, where there is nothing to count. */
  store: FlowStore | undefined;
  /** The flow definitions, every version flows may be on. */
  registry: FlowRegistry;
  /** The flow's name. */
  flow: string;
  /** Flows created at or after this instant are counted (a `Date` or epoch milliseconds)… */
  since: Date | number;
  /** …and before this one. */
  until: Date | number;
  /**
   * Records read from the store at a time: at most this many (and their events) are in
   * memory at once.
   * @default 500
   */
  batchSize?: number | undefined;
}

/** Event logs read at once while a batch is tallied. */
const logReads = 8;

/**
 * Computes the funnel of one flow over the flows created in [`since`, `until`): per
 * definition version they are on now, how many reached, completed, stopped at and
 * skipped each step, the median and p90 time spent in each, the fields refused most often
 * (from the store's counts of 422s, kept by the hour: those of every hour the
 * window overlaps, whichever flows they came from; see `FlowStore.readRejections`), and the completion rate. See `tallyFlow` for what each
 * figure counts.
 *
 * Costs one walk of the store's records (`scanRecords`, `batchSize` at a time) and one
 * event log read per flow in the window, `logReads` at once; memory holds one batch and
 * the counts. A store without an event log gives counts from the records alone, without
 * times; one without rejection counts gives no failed fields. Flows erased or purged are
 * not counted, nor flows on a definition version `registry` does not know.
 *
 * @throws WaymarkError `unknown-flow` for a flow `registry` does not have, `bad-request`
 * for a window that is empty or not dates, or a `batchSize` that is not a whole number
 * from 1 to 100000; `funnel-unavailable` in token mode or with a store that cannot list
 * its records; `store-unavailable` when the store cannot be reached; `definition-error`
 * when a step's `when` throws.
 * @example
 * const report = await computeFunnel({
 *   store, registry, flow: "onboarding",
 *   since: new Date(Date.now() - 7 * 86_400_000), until: new Date(),
 * });
 * console.log(report.versions[0]?.completionRate);
 */
export async function computeFunnel(input: FunnelInput): Promise<FunnelReport> {
  const { store, registry, flow } = input;
  const since = epochOf(input.since, "since");
  const until = epochOf(input.until, "until");
  if (since >= until) {
    throw new WaymarkError(
      "bad-request",
      "The funnel's window is empty: since must be before until",
    );
  }
  const batchSize = input.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new WaymarkError("bad-request", "batchSize must be a whole number from 1 to 100000");
  }
  if (!registry.latest(flow)) throw unknownFlow(flow);
  if (!store) {
    throw new WaymarkError("funnel-unavailable", "Flows kept in tokens leave nothing to count");
  }
  const { scanRecords } = store;
  if (!scanRecords) {
    throw new WaymarkError("funnel-unavailable", "This store cannot list its flows");
  }
  const tally = startFunnel({ flow, since, until });
  let cursor: string | undefined;
  do {
    const batch = await scanRecords.call(store, cursor, batchSize);
    const counted = batch.records.filter(
      (record) => record.flow === flow && record.createdAt >= since && record.createdAt < until,
    );
    await eachBounded(counted, logReads, async (record) => {
      const definition = registry.at(flow, record.definitionVersion);
      if (!definition) return;
      tallyFlow(tally, definition, record, await logOf(store, record));
    });
    cursor = batch.cursor;
  } while (cursor !== undefined);
  // Counts are kept by the hour: read every hour the window overlaps, the last one too.
  const through = Math.ceil(until / rejectionHourMs) * rejectionHourMs;
  const rejections = (await store.readRejections?.({ flow, since, until: through })) ?? [];
  return finishFunnel(tally, rejections);
}

function logOf(store: FlowStore, record: FlowRecord): Promise<FlowEvent[]> {
  return store.readEvents ? store.readEvents(record.id) : Promise.resolve([]);
}

function epochOf(value: Date | number, name: string): number {
  const at = value instanceof Date ? value.getTime() : value;
  if (typeof at !== "number" || !Number.isFinite(at)) {
    throw new WaymarkError("bad-request", `${name} must be a valid date`);
  }
  return at;
}
