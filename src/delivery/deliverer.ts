import { eachBounded } from "../each-bounded.ts";
import type { FlowEvent } from "../flow/events.ts";
import type { Delivery, DeliveryOutcome, FlowStore } from "../store/types.ts";
import type { WebhookEndpoint } from "./destinations.ts";
import { afterFailure } from "./schedule.ts";
import { createSender, originOf } from "./send.ts";
import { errorName, type Fetch } from "./webhook.ts";

/** The outbox methods a deliverer uses; a {@link FlowStore} whose backend keeps one. */
export type OutboxStore = Pick<FlowStore, "claimDeliveries" | "settleDelivery">;

/** A code-level receiver of events, such as a flow's completion handler. */
export type EventHandler = (event: FlowEvent) => Promise<void>;

/** Where the deliverer writes what it does: pino's signature. Lines carry no step data or secrets. */
export interface DeliveryLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createDeliverer}. */
export interface DelivererOptions {
  /** The store whose outbox to empty. */
  store: OutboxStore;
  /** The webhook receivers, for the `webhook:<url>` destinations. */
  endpoints: readonly WebhookEndpoint[];
  /** The handlers, by name, for the `handler:<name>` destinations. @default {} */
  handlers?: Readonly<Record<string, EventHandler>> | undefined;
  /** Milliseconds between two looks at an outbox that had nothing more. @default 1000 */
  pollMs?: number | undefined;
  /**
   * Milliseconds a claimed delivery stays leased to this deliverer; past it another one
   * may take it over. Must exceed every endpoint's `timeoutMs`, and should exceed the
   * time a handler takes (handlers have no timeout of their own).
   * @default 60000
   */
  leaseMs?: number | undefined;
  /** Most deliveries claimed at once. @default 50 */
  batchSize?: number | undefined;
  /** Most flows delivered to at the same time; one flow's deliveries go one by one. @default 8 */
  concurrency?: number | undefined;
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: (() => number) | undefined;
  /** The jitter source, in [0, 1). @default Math.random */
  random?: (() => number) | undefined;
  /** What sends the webhooks. @default globalThis.fetch */
  fetch?: Fetch | undefined;
  logger?: DeliveryLogger | undefined;
  /**
   * Told of every attempt this deliverer settled (not of one whose lease was lost first),
   * for metrics: the delivery and what became of it. Must not throw.
   * @example (delivery, state) => attempts.inc({ state })
   */
  onSettled?: ((delivery: Delivery, state: DeliveryOutcome["state"]) => void) | undefined;
}

/** A running (or stopped) deliverer: see {@link createDeliverer}. */
export interface Deliverer {
  /** Starts the loop; calling it again while running does nothing. */
  start(): void;
  /** Stops the loop once the deliveries in flight are settled. */
  stop(): Promise<void>;
  /** Claims one batch, delivers and settles it; resolves how many were claimed. */
  runOnce(): Promise<number>;
  /** Ends the current wait at once, for a write that just filled the outbox. */
  wake(): void;
}

const silent: DeliveryLogger = { info() {}, warn() {}, error() {} };

/**
 * Empties a store's outbox: claims due deliveries under a lease (random token per
 * deliverer, so several instances can share one outbox), sends each event to its
 * destination, and settles it. A webhook is POSTed signed per the Standard Webhooks spec
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
 * see {@link sendWebhook}; a handler destination calls the handler. A 2xx (or a handler
 * that resolves) is `delivered`; any other outcome is retried on the schedule of
 * {@link afterFailure} and goes `dead` after 3 days; so is a destination this instance
 * does not have (another instance may). Delivery is at least once: a receiver
 * deduplicates on `webhook-id`.
 *
 * While started, the loop claims batch after batch as long as there are deliveries due
 * (a flow's next event is due once the one before it is delivered), then waits `pollMs`
 * (or until {@link Deliverer.wake}).
 *
 * @throws Error when the store keeps no outbox, two endpoints share a URL, a secret is
 * not `whsec_` + base64, or `leaseMs` does not exceed an endpoint's timeout.
 * @example
 * const deliverer = createDeliverer({
 *   store,
 *   endpoints: [{ url: "https://example.com/hooks", secret: process.env.HOOK_SECRET ?? "" }],
 *   handlers: { onComplete: async (event) => console.log(event.flowKey) },
 * });
 * deliverer.start();
 * // on shutdown
 * await deliverer.stop();
 */
export function createDeliverer(options: DelivererOptions): Deliverer {
  const { store, endpoints, handlers = {}, logger = silent } = options;
  const { pollMs = 1_000, leaseMs = 60_000, batchSize = 50, concurrency = 8 } = options;
  const { now = Date.now, random = Math.random } = options;
  const fetchFn: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const claim = store.claimDeliveries?.bind(store);
  const settle = store.settleDelivery?.bind(store);
  if (!claim || !settle) throw new Error("this store keeps no outbox: it cannot deliver events");
  for (const [name, value] of Object.entries({ pollMs, leaseMs, batchSize, concurrency })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(
        `${name} must be a positive whole number of ${name === "pollMs" || name === "leaseMs" ? "milliseconds" : "deliveries"}, not ${value}`,
      );
    }
  }
  const attempt = createSender({ endpoints, handlers, leaseMs, now, fetch: fetchFn });
  const token = crypto.randomUUID();
  const inFlight = new Set<Promise<unknown>>();
  let loop: Promise<void> | undefined;
  let stopping = false;
  let woken = false;
  let endWait: (() => void) | undefined;

  const deliver = async (delivery: Delivery): Promise<void> => {
    const result = await attempt(delivery);
    const at = now();
    const outcome: DeliveryOutcome = result.ok
      ? { state: "delivered" }
      : result.final
        ? { state: "dead", error: result.error }
        : withError(afterFailure(delivery, at, random), result.error);
    const fields = { ...fieldsOf(delivery), attempts: delivery.attempts + 1 };
    const settled = await settle(delivery.key, token, outcome);
    if (settled) options.onSettled?.(delivery, outcome.state);
    if (!settled) {
      logger.warn(
        fields,
        "delivery lease ran out before it was settled; another deliverer may repeat it",
      );
    } else if (outcome.state === "dead") {
      logger.error({ ...fields, error: outcome.error }, "delivery dead: no more attempts");
    } else if (outcome.state === "retry") {
      logger.warn(
        {
          ...fields,
          error: outcome.error,
          nextAttemptAt: new Date(outcome.nextAttemptAt).toISOString(),
        },
        "delivery failed; will retry",
      );
    } else {
      logger.info(fields, "event delivered");
    }
  };

  const runBatch = async (): Promise<number> => {
    const due = await claim({ now: now(), leaseMs, limit: batchSize, token });
    await eachBounded(byFlow(due), concurrency, async (deliveries) => {
      for (const delivery of deliveries) {
        try {
          await deliver(delivery);
        } catch (error) {
          // Settling failed (the store is unreachable): the lease lapses and the
          // delivery comes back, to be tried again.
          logger.error(
            { ...fieldsOf(delivery), err: errorName(error) },
            "cannot settle a delivery",
          );
        }
      }
    });
    return due.length;
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  };

  const wait = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, pollMs);
      function finish() {
        clearTimeout(timer);
        endWait = undefined;
        resolve();
      }
      endWait = finish;
    });

  const run = async () => {
    while (!stopping) {
      woken = false;
      let claimed = 0;
      try {
        claimed = await track(runBatch());
      } catch (error) {
        logger.error({ err: errorName(error) }, "cannot claim deliveries");
      }
      // Straight on while there was work: a flow's next event becomes due as soon as the
      // one before it is delivered, and should not wait a poll for it.
      if (claimed === 0 && !woken && !stopping) await wait();
    }
  };

  function wake() {
    woken = true;
    endWait?.();
  }

  function start() {
    if (loop) return;
    stopping = false;
    loop = run();
  }

  async function stop() {
    stopping = true;
    endWait?.();
    await loop;
    await Promise.allSettled(inFlight);
    loop = undefined;
  }

  return { start, stop, runOnce: () => track(runBatch()), wake };
}

function withError(next: ReturnType<typeof afterFailure>, error: string): DeliveryOutcome {
  return next.state === "dead" ? { state: "dead", error } : { ...next, error };
}

/** One flow's deliveries in the order of its events; the flows in the order claimed. */
function byFlow(deliveries: readonly Delivery[]): Delivery[][] {
  const groups = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    const group = groups.get(delivery.event.flowKey) ?? [];
    group.push(delivery);
    groups.set(delivery.event.flowKey, group);
  }
  return [...groups.values()].map((group) =>
    group.sort((a, b) => a.event.version - b.event.version || a.event.index - b.event.index),
  );
}

/** What a log line says of a delivery: no step data, no URL path or query (they may hold secrets). */
function fieldsOf(delivery: Delivery): Record<string, unknown> {
  const { destination, event } = delivery;
  return {
    eventId: event.id,
    type: event.type,
    flow: event.flow,
    destination: destination.startsWith("webhook:")
      ? `webhook:${originOf(destination.slice("webhook:".length))}`
      : destination,
  };
}
