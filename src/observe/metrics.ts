import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FlowObserver } from "../service/types.ts";
import type { Delivery, DeliveryOutcome, FlowStore } from "../store/types.ts";

/**
 * The `metrics` option of `createWaymark`: where its series go, and how often the
 * outbox is counted.
 *
 * @example { registry: myAppRegistry, outboxRefreshMs: 30_000 }
 */
export interface MetricsOptions {
  /**
   * The prom-client registry to add Waymark's series to, so that one scrape gets your
   * application's metrics and Waymark's. One Waymark per registry: a second one
   * registering the same names throws. Never prom-client's global registry unless you
   * pass it yourself.
   * @default a new `Registry` of Waymark's own
   */
  registry?: Registry | undefined;
  /**
   * How often, at most, the outbox's pending and dead deliveries are counted, in
   * milliseconds: a scrape older than this walks the store's `listDeliveries` once;
   * scrapes in between report the last count.
   * @default 60000
   */
  outboxRefreshMs?: number | undefined;
}

/**
 * The metrics of one Waymark handler, served at `{basePath}/metrics` in Prometheus's
 * text format.
 *
 * @example
 * const waymark = createWaymark({ flows, store, metrics: true });
 * waymark.metrics?.watchOpenStreams(() => openStreams.size);
 */
export interface WaymarkMetrics {
  /** The registry the series are in: yours, if given, else Waymark's own. */
  readonly registry: Registry;
  /**
   * Feeds `waymark_event_streams_open`: `count` is called at each scrape and answers how
   * many Server-Sent Events streams this instance holds open. Without it, the gauge is 0.
   * A later call replaces an earlier one.
   */
  watchOpenStreams(count: () => number): void;
}

/** What the handler tells the metrics; internal to Waymark. */
export interface MetricsRecorder extends WaymarkMetrics {
  /** One request answered: its method, route template (never the URL) and status. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** One store call: its method name, how long it took, whether it threw. */
  storeCall(operation: string, seconds: number, failed: boolean): void;
  /** The use cases' events, flow names kept only for registered flows. */
  readonly observer: Required<FlowObserver>;
  /** One delivery attempt settled. */
  delivered(delivery: Delivery, state: DeliveryOutcome["state"]): void;
  /** Flow records a sweep purged. */
  purged(count: number): void;
}

/** The value of the `flow` label for a flow that is not registered: bounded cardinality. */
const unregisteredFlow = "unregistered";

/** Methods a request's `method` label keeps; any other is `_OTHER`, as OpenTelemetry names it. */
const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The `method` label (and `http.request.method` attribute) of a request: the method,
 * or `_OTHER` for one outside the usual set, so that a client cannot grow the series.
 *
 * @example methodLabel("PUT") // "PUT"
 * @example methodLabel("BREW") // "_OTHER"
 */
export function methodLabel(method: string): string {
  return knownMethods.has(method) ? method : "_OTHER";
}

/** Most deliveries counted per state: past it the gauge says this many. */
const outboxCountCap = 100_000;
const outboxPage = 500;

/**
 * Registers Waymark's series in `options.registry` (or a new one) and answers what the
 * handler records them with.
 *
 * @param flows - the registered flow names: the only values the `flow` label takes
 *   besides {@link unregisteredFlow}.
 * @param store - whose outbox is counted; none in token mode.
 * @throws Error when the registry already holds a series of the same name.
 */
export function createMetrics(
  options: MetricsOptions,
  flows: readonly string[],
  store: FlowStore | undefined,
): MetricsRecorder {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const known = new Set(flows);
  const flowLabel = (flow: string) => (known.has(flow) ? flow : unregisteredFlow);
  /** A counter labelled by flow alone, counting one of a flow at a time. */
  const perFlow = (name: string, help: string) => {
    const counter = new Counter({ name, help, labelNames: ["flow"] as const, registers });
    return (flow: string) => counter.inc({ flow: flowLabel(flow) });
  };

  const requests = new Counter({
    name: "waymark_http_requests_total",
    help: "HTTP requests answered, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: "waymark_http_request_duration_seconds",
    help: "Time to answer an HTTP request, in seconds, by method and route template",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const stepWrites = new Counter({
    name: "waymark_step_writes_total",
    help: "Step writes (PUT of a step), by flow and outcome: changed, unchanged, rejected or failed",
    labelNames: ["flow", "outcome"] as const,
    registers,
  });
  const conflicts = perFlow(
    "waymark_write_conflicts_total",
    "Writes that lost a compare-and-set to another write of the same flow, by flow",
  );
  const retries = perFlow(
    "waymark_write_retries_total",
    "Writes tried again after losing a compare-and-set, by flow",
  );
  const storeSeconds = new Histogram({
    name: "waymark_store_operation_duration_seconds",
    help: "Time of a store call, in seconds, by operation (the FlowStore method)",
    labelNames: ["operation"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const storeErrors = new Counter({
    name: "waymark_store_errors_total",
    help: "Store calls that threw, by operation",
    labelNames: ["operation"] as const,
    registers,
  });
  const started = perFlow("waymark_flows_started_total", "Flows started, by flow");
  const completed = perFlow("waymark_flows_completed_total", "Flows completed, by flow");
  const expiredFound = perFlow(
    "waymark_expired_flow_requests_total",
    "Requests refused because their flow had expired (one flow may count several times), by flow",
  );
  const purged = new Counter({
    name: "waymark_flows_purged_total",
    help: "Expired flow records removed by this instance's periodic sweep",
    registers,
  });
  const attempts = new Counter({
    name: "waymark_delivery_attempts_total",
    help: "Delivery attempts settled by this instance, by destination kind (webhook or handler) and outcome (delivered, retry or dead)",
    labelNames: ["kind", "outcome"] as const,
    registers,
  });

  const refreshMs = options.outboxRefreshMs ?? 60_000;
  const outbox = outboxCounter(store, refreshMs);
  if (outbox) {
    new Gauge({
      name: "waymark_outbox_deliveries",
      help: `Deliveries in the outbox, by state (pending or dead), counted at most every ${refreshMs / 1000} s; at most ${outboxCountCap} per state`,
      labelNames: ["state"] as const,
      registers,
      async collect() {
        const counted = await outbox.read();
        if (!counted) return;
        this.set({ state: "pending" }, counted.pending);
        this.set({ state: "dead" }, counted.dead);
      },
    });
    new Gauge({
      name: "waymark_outbox_counted_timestamp_seconds",
      help: "When the outbox was last counted, in seconds since the epoch",
      registers,
      async collect() {
        const counted = await outbox.read();
        if (counted) this.set(counted.at / 1000);
      },
    });
  }

  let openStreams: () => number = () => 0;
  new Gauge({
    name: "waymark_event_streams_open",
    help: "Server-Sent Events streams this instance holds open",
    registers,
    collect() {
      this.set(openStreams());
    },
  });

  return {
    registry,
    watchOpenStreams(count) {
      openStreams = count;
    },
    request(method, route, status, seconds) {
      const labels = { method: methodLabel(method), route };
      requests.inc({ ...labels, status: String(status) });
      requestSeconds.observe(labels, seconds);
    },
    storeCall(operation, seconds, failed) {
      storeSeconds.observe({ operation }, seconds);
      if (failed) storeErrors.inc({ operation });
    },
    observer: {
      flowStarted: started,
      flowCompleted: completed,
      stepWritten: (flow, outcome) => stepWrites.inc({ flow: flowLabel(flow), outcome }),
      expiredFound,
      writeConflict: conflicts,
      writeRetry: retries,
    },
    delivered(delivery, state) {
      const kind = delivery.destination.startsWith("webhook:") ? "webhook" : "handler";
      attempts.inc({ kind, outcome: state });
    },
    purged(count) {
      purged.inc(count);
    },
  };
}

/** The outbox's counts per state, and when they were taken (epoch milliseconds). */
interface OutboxCount {
  pending: number;
  dead: number;
  at: number;
}

/**
 * Counts the outbox by walking `listDeliveries`, at most once per `refreshMs` and one
 * walk at a time: on Redis a walk scans every flow, too costly for every scrape. A walk
 * that fails keeps the last count (and its time).
 */
function outboxCounter(store: FlowStore | undefined, refreshMs: number) {
  const listed = store?.listDeliveries?.bind(store);
  if (!listed) return undefined;
  const list = listed;
  let last: OutboxCount | undefined;
  let walking: Promise<OutboxCount | undefined> | undefined;

  async function count(state: "pending" | "dead"): Promise<number> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await list({ state, limit: outboxPage, cursor });
      total += page.deliveries.length;
      cursor = page.cursor;
    } while (cursor !== undefined && total < outboxCountCap);
    return Math.min(total, outboxCountCap);
  }

  async function walk(): Promise<OutboxCount | undefined> {
    try {
      const at = Date.now();
      last = { pending: await count("pending"), dead: await count("dead"), at };
    } catch {
      // An unreachable store shows in waymark_store_errors_total and /readyz.
    } finally {
      walking = undefined;
    }
    return last;
  }

  return {
    read(): Promise<OutboxCount | undefined> {
      if (last && Date.now() - last.at < refreshMs) return Promise.resolve(last);
      walking ??= walk();
      return walking;
    },
  };
}
