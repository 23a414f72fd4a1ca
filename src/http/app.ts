import { Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { createDeliverer, type Deliverer } from "../delivery/deliverer.ts";
import { COMPLETION_HANDLER, type WebhookEndpoint } from "../delivery/destinations.ts";
import { checkEndpoints } from "../delivery/send.ts";
import { deliverAtOnce, routeToEndpoints } from "../delivery/service-delivery.ts";
import { WaymarkError } from "../errors.ts";
import { isReservedName } from "../flow/registry.ts";
import type { FlowDefinition } from "../flow/types.ts";
import {
  createMetrics,
  type MetricsOptions,
  type MetricsRecorder,
  type WaymarkMetrics,
} from "../observe/metrics.ts";
import { instrumentStore } from "../observe/store.ts";
import { createFlowService } from "../service/flows.ts";
import type { FlowKeeping } from "../service/types.ts";
import type { FlowStore } from "../store/types.ts";
import { adminRoutes } from "./admin.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import { settleBasePath } from "./base-path.ts";
import { mustCloseAfter } from "./body.ts";
import { type CorsOptions, cors } from "./cors.ts";
import { flowRoutes } from "./flow-routes.ts";
import { createLiveUpdates, type LiveUpdateOptions, type LiveUpdates } from "./live-updates.ts";
import { observeRequests } from "./observe.ts";
import { createOpenApiDocument, type OpenApiSettings } from "./openapi.ts";
import { checkAdminToken, requireToken } from "./operator.ts";
import {
  isRefusal,
  methodNotAllowed,
  problemResponse,
  problemStatus,
  routeNotFound,
} from "./problem.ts";
import { type ConnectionInfo, type RateLimitOptions, rateLimit } from "./rate-limit.ts";
import { warnUnsupportedFields, wizardRoutes } from "./wizard.ts";
import type { WizardAssets } from "./wizard-assets.ts";

/** The subset of a logger (pino's shape) that Waymark writes to. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  /**
   * Refusals meant under load or outage (every 503) and other warnings; `error` takes
   * them when this is missing.
   */
  warn?(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Options of {@link createWaymark}: the flows, and either `store` (a `FlowStore`, where
 * records live between requests) or `tokens` (token mode from `waymark/token`: no store,
 * the flow id is the sealed flow).
 */
export type WaymarkOptions = FlowKeeping & HandlerOptions;

/**
 * What {@link createWaymark} takes besides where flows are kept. Every optional member
 * also takes `undefined`, so settings read from the environment pass straight through
 * under `exactOptionalPropertyTypes`.
 *
 * @example { flows: [onboarding], basePath: "/api", maxBodyBytes: 32_768, logger: pino() }
 */
export interface HandlerOptions {
  /** The flows to serve, each under `{basePath}/{name}`; several versions of one flow may be given. */
  flows: readonly FlowDefinition[];
  /**
   * Where the handler is mounted: requests keep this prefix in their path, and
   * `Location` and every `href` include it. `""` or a path such as `"/api"` (no trailing
   * slash; letters, digits, `-`, `_`, `.`, `~` per segment, and no `.` or `..` segment).
   * @default ""
   */
  basePath?: string | undefined;
  /**
   * Largest request body accepted, in bytes.
   * @default 65536
   */
  maxBodyBytes?: number | undefined;
  /**
   * Answer 428 to a step write without `If-Match`.
   * @default false
   */
  requireIfMatch?: boolean | undefined;
  /**
   * How long a step write may wait for the other writes to its flow, in milliseconds,
   * before answering 409 `concurrent-update`. Writes to one flow take turns, so many
   * unconditional writes sent at once are all applied, one after another.
   * @default 5000
   */
  writeWaitMs?: number | undefined;
  /** Where request lines and handler errors go; never given step data. */
  logger?: Logger | undefined;
  /**
   * The clock, read once per request and passed to the engine.
   * @default () => new Date()
   */
  now?: (() => Date) | undefined;
  /**
   * Serve the web wizard at `/` and `/wizard/{flow}`, built by `loadWizard()` from
   * `waymark/wizard`. Without it only the API is served. With it and a `logger`, each
   * field of the latest flow versions that the wizard's form cannot edit is logged once
   * as a warning (see `unsupportedFields` in `src/form/`).
   */
  wizard?: WizardAssets | undefined;
  /**
   * Limit requests per client (by `key`, else the remote address the adapter passes to
   * `fetch`), counted in this instance's memory unless a `store` is given. `/healthz`
   * and `/readyz` are never limited. Without it nothing is limited.
   */
  rateLimit?: RateLimitOptions | undefined;
  /** Let browsers on other origins call the API; without it only same-origin pages can. */
  cors?: CorsOptions | undefined;
  /**
   * Serve `{basePath}/docs`: a page rendering the OpenAPI document with Swagger UI, from
   * files this handler serves (nothing from the network). `{basePath}/openapi.json` is
   * served either way.
   * @default false
   */
  docs?: boolean | undefined;
  /** What the published OpenAPI document says beyond the flows: `info` members, the environment. */
  openapi?: OpenApiSettings | undefined;
  /**
   * Receivers of the flows' events, signed per Standard Webhooks. With a store, each
   * event's deliveries are written to the store's outbox with the flow, and sent by
   * {@link Waymark.startDelivery}; in token mode only `flow.completed` is sent, at once,
   * before the completing write is answered.
   * @example [{ url: "https://example.com/hooks", secret: process.env.WEBHOOK_SECRET, events: ["flow.completed"] }]
   */
  webhooks?: readonly WebhookEndpoint[] | undefined;
  /**
   * Live updates, `GET {basePath}/{flow}/{flowId}/events` (Server-Sent Events): how many
   * streams one instance holds, how often they beat, when an idle one ends. Served with
   * a store that can watch flows (`watchFlow`: every store Waymark ships); in token mode,
   * or with a store that cannot, that address answers 404 `live-updates-unavailable`.
   * @example { maxStreams: 2_000, heartbeatMs: 15_000, idleTimeoutMs: 300_000 }
   * @default { maxStreams: 1000, heartbeatMs: 15000, idleTimeoutMs: 300000, retryMs: 2000 }
   */
  liveUpdates?: LiveUpdateOptions | undefined;
  /**
   * Serve Prometheus metrics at `{basePath}/metrics` (text format): requests, step
   * writes, compare-and-set conflicts, store calls, flows started and completed, the
   * outbox, deliveries and open event streams (see the README, Metrics). `true` keeps
   * them in a prom-client `Registry` of Waymark's own; `{ registry }` adds them to yours,
   * so that `/metrics` serves both. With `adminToken`, `/metrics` needs it too.
   * Process metrics (CPU, memory, event loop) are left to whoever owns the process:
   * `waymark serve` adds them.
   * @default false
   * @example { registry: new Registry() }
   */
  metrics?: boolean | MetricsOptions | undefined;
  /**
   * The operator token: turns on the operator pages under `{basePath}/admin` (the
   * funnel), which ask for it as `Authorization: Bearer <token>` or as the password of
   * HTTP Basic (any user name), and puts `/metrics` behind it too. At least 32
   * printable ASCII characters (`openssl rand -base64 32`). Without it `/admin` answers
   * 404 and `/metrics` (with `metrics`) is open to whoever reaches it.
   * @default undefined
   */
  adminToken?: string | undefined;
}

/**
 * Options of {@link Waymark.startDelivery}; the defaults suit most deployments.
 *
 * @example { pollMs: 500, leaseMs: 30_000 }
 */
export interface DeliveryOptions {
  /** Milliseconds between two looks at an outbox that had nothing more. @default 1000 */
  pollMs?: number | undefined;
  /**
   * Milliseconds a deliverer holds the deliveries it claimed; a crashed instance's are
   * taken over after it. More than every endpoint's timeout. @default 60000
   */
  leaseMs?: number | undefined;
  /** Most deliveries claimed at once. @default 50 */
  batchSize?: number | undefined;
}

/**
 * A Web-standard request handler: mount it in any server or framework.
 *
 * @example const response = await waymark.fetch(new Request("http://localhost/api/onboarding", { method: "POST" }));
 */
export interface Waymark {
  /**
   * Answers one request; never rejects (failures are problem+json responses).
   * `connection.remoteAddress` is the client a rate limit counts the request against
   * when `rateLimit.key` names none; `toNodeListener` and `startServer` pass it.
   */
  fetch(request: Request, connection?: ConnectionInfo): Promise<Response>;
  /** Where it is mounted: `""` or a prefix such as `"/api"`, as given to `createWaymark`. */
  readonly basePath: string;
  /**
   * The largest request body it accepts, in bytes (`maxBodyBytes`): a Node server refuses
   * a larger `Content-Length` before the upload (see `continueListener` in `waymark/node`).
   */
  readonly maxBodyBytes: number;
  /**
   * Starts delivering the store's outbox: the webhooks of `webhooks` and each flow's
   * `onComplete`, at least once, in order per flow and destination, retried with
   * back-off for 3 days. Run it in every instance (a lease in the store keeps them from
   * sending one event twice in normal operation) and `stop()` it on shutdown, before
   * closing the store. `startServer` and `waymark serve` do both. Undefined in token
   * mode, or with a store that keeps no outbox (there, completion is delivered inline),
   * and when there is nothing to deliver to: no `webhooks` and no flow with `onComplete`.
   *
   * @example
   * const delivery = waymark.startDelivery();
   * process.on("SIGTERM", async () => { await delivery?.stop(); await store.close(); });
   */
  startDelivery(options?: DeliveryOptions): Deliverer | undefined;
  /**
   * The live update streams open on this instance (`openStreams`, for a gauge), and
   * `closeStreams()`, which ends them all: call it on shutdown before closing the server
   * (`startServer` and `waymark serve` do), or the streams keep it open.
   *
   * @example process.on("SIGTERM", async () => { await waymark.liveUpdates.closeStreams(); server.close(); });
   */
  readonly liveUpdates: LiveUpdates;
  /**
   * The handler's metrics, with the `metrics` option: their registry, and where the
   * count of open event streams comes from. Undefined without the option.
   */
  readonly metrics?: WaymarkMetrics | undefined;
  /**
   * Counts flow records a periodic sweep purged (`waymark_flows_purged_total`):
   * `startServer` calls it after each `purgeExpired`. Does nothing without metrics.
   */
  countPurged?(count: number): void;
}

/**
 * What mounting a Waymark in a server needs: its `fetch`, where it is mounted and its
 * body limit. `toNodeListener` takes this much, so a wrapped or stubbed handler mounts too.
 *
 * @example const handler: WaymarkHandler = { fetch: waymark.fetch, basePath: "", maxBodyBytes: 65_536 };
 */
export type WaymarkHandler = Pick<Waymark, "fetch" | "basePath" | "maxBodyBytes">;

/**
 * Builds the HTTP API (and, with `wizard`, the web wizard) for a set of flows: one
 * Web-standard `fetch` handler to mount in any server or framework (`waymark/node` for
 * node:http, Express and Fastify).
 *
 * @throws Error for a malformed `basePath`, a reserved flow name, a version defined twice,
 * `rateLimit`, `cors`, `liveUpdates` or `writeWaitMs` options out of range, or a store with only one of
 * the write-lock methods, or `webhooks` endpoints that are malformed (a URL that is not
 * http: or https:, a secret that is not `whsec_` and base64, an unknown event type or flow
 * in a filter, a URL twice), an `adminToken` under 32 characters, or `metrics` given a
 * registry that already holds Waymark's series.
 * @example
 * const waymark = createWaymark({
 *   flows: [onboarding],
 *   store: createSqliteStore({ path: "./waymark.db" }),
 *   basePath: "/api",
 * });
 * http.createServer(toNodeListener(waymark)).listen(3000);
 */
export function createWaymark(options: WaymarkOptions): Waymark {
  const base = settleBasePath(options.basePath);
  const logger = options.logger;
  const webhooks = options.webhooks ?? [];
  const names = [...new Set(options.flows.map((flow) => flow.name))];
  const { adminToken } = options;
  if (adminToken !== undefined) checkAdminToken(adminToken);
  checkEndpoints(webhooks, names);
  const metrics = metricsOf(options.metrics, names, options.store);
  const service = createFlowService({
    ...withInstrumentedStore(options, metrics),
    routing: routeToEndpoints(webhooks),
    deliverNow: deliverAtOnce(webhooks),
    observer: metrics?.observer,
  });
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const now = options.now ?? (() => new Date());
  const live = createLiveUpdates(service, now, options.liveUpdates);
  metrics?.watchOpenStreams(() => live.openStreams);
  // Not strict: `/api` and `/api/` both lead to the wizard when mounted under `/api`.
  const app = new Hono<{ Bindings: ConnectionInfo }>({ strict: false }).basePath(base || "/");

  app.use(observeRequests(logger, metrics));

  // Outside every other answer, so a 429 or a 404 carries its CORS headers too.
  if (options.cors) app.use(cors(options.cors));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    await service.store?.ping();
    return c.json({ status: "ready" });
  });
  app.all("/healthz", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  app.all("/readyz", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  if (metrics) {
    // Before the rate limit: a scraper is never limited.
    if (adminToken !== undefined) app.use("/metrics", requireToken(adminToken, "bearer"));
    app.get("/metrics", async (c) =>
      c.body(await metrics.registry.metrics(), 200, {
        "content-type": metrics.registry.contentType,
        "cache-control": "no-store",
      }),
    );
    app.all("/metrics", () => {
      throw methodNotAllowed("GET, HEAD");
    });
  }
  // Before the flows, which `/admin/funnel` would otherwise read as one.
  app.route(
    "/",
    adminRoutes({
      base,
      token: adminToken,
      registry: service.registry,
      // The store as given: a funnel reads every flow's log, one span each if traced.
      store: options.store,
      now,
    }),
  );

  // After the health checks, which answer without going on to it: they are never limited.
  if (options.rateLimit) {
    const store = service.store;
    app.use(
      rateLimit(options.rateLimit, {
        counters: store?.rateLimitCounter?.bind(store),
        // A token changes with every write: there is no flow to count against.
        flowOf: store
          ? (request) => flowAddressed(request, base, service.registry.names)
          : undefined,
      }),
    );
  }

  // Before the API: `/openapi.json`, `/docs/…` and `/wizard/{flow}` would otherwise read
  // as flows.
  const document = () => createOpenApiDocument({ ...options, ...options.openapi, basePath: base });
  app.route("/", apiDocsRoutes({ document, base, docs: options.docs ?? false }));
  if (options.wizard) {
    app.route("/", wizardRoutes(service.registry, options.wizard, base));
    if (logger) warnUnsupportedFields(service.registry, logger);
  }
  // A reserved name is never a flow: under one, whatever its feature (metrics, docs, the
  // wizard, operator pages) does not serve, being off or not there, is no address.
  const reserved: MiddlewareHandler = async (c, next) => {
    if (isReservedName(c.req.param("name") ?? "")) throw routeNotFound();
    await next();
  };
  // `/:name/*` matches `/:name` too.
  app.all("/:name/*", reserved);
  app.route(
    "/",
    flowRoutes({
      service,
      base,
      limits: { maxBytes: maxBodyBytes, maxDepth: 32 },
      requireIfMatch: options.requireIfMatch ?? false,
      now,
      live,
    }),
  );

  app.notFound((c) => problemResponse(routeNotFound(), {}, c.req.raw));
  app.onError((error, c) => {
    if (error instanceof WaymarkError && error.code === "definition-error") {
      // The flow, step and hook (and a migration's versions), and the class of what the
      // definition threw: never its message.
      const { flow, step, hook, fromVersion, toVersion } = error.extensions;
      const err = describe(error.cause);
      logger?.error(
        { route: routePath(c), code: error.code, flow, step, hook, fromVersion, toVersion, err },
        "definition failed",
      );
    } else if (error instanceof WaymarkError && isRefusal(error.code)) {
      // Meant under load or outage, and frequent then: one line each, no stack.
      (logger?.warn ?? logger?.error)?.call(
        logger,
        { route: routePath(c), code: error.code },
        "request refused",
      );
    } else if (!(error instanceof WaymarkError) || problemStatus(error.code) >= 500) {
      logger?.error({ route: routePath(c), err: describe(error) }, "request failed");
    }
    return problemResponse(error, mustCloseAfter(error) ? { connection: "close" } : {}, c.req.raw);
  });

  return {
    fetch: (request, connection) => Promise.resolve(app.fetch(request, connection ?? {})),
    basePath: base,
    maxBodyBytes,
    liveUpdates: {
      get openStreams() {
        return live.openStreams;
      },
      closeStreams: () => live.closeStreams(),
    },
    metrics,
    countPurged: (count) => metrics?.purged(count),
    startDelivery(settings = {}) {
      const { store } = service;
      if (!store?.claimDeliveries) return undefined;
      // With no endpoint and no onComplete there is nothing here to deliver to: no claim
      // every poll, and no lease on deliveries another instance could make.
      if (webhooks.length === 0 && !options.flows.some((flow) => flow.onComplete)) return undefined;
      const deliverer = createDeliverer({
        ...settings,
        // The handler's clock: tests that move it move delivery's retries with it.
        ...(options.now ? { now: () => (options.now?.() ?? new Date()).getTime() } : {}),
        store,
        endpoints: webhooks,
        onSettled: metrics?.delivered,
        handlers: {
          [COMPLETION_HANDLER]: async (event) => {
            if (await service.deliverOnComplete(event)) return;
            logger?.info(
              { flow: event.flow, event: event.type },
              "onComplete skipped: the flow was erased before its completion was delivered",
            );
          },
        },
        ...(logger
          ? {
              logger: {
                info: (fields, message) => logger.info(fields, message),
                warn: (fields, message) => (logger.warn ?? logger.error)(fields, message),
                error: (fields, message) => logger.error(fields, message),
              },
            }
          : {}),
      });
      deliverer.start();
      return deliverer;
    },
  };
}

/**
 * The options with their store wrapped so that every call is traced (a no-op without an
 * OpenTelemetry provider) and, with metrics, timed.
 */
function withInstrumentedStore<T extends FlowKeeping>(
  options: T,
  metrics: MetricsRecorder | undefined,
): T {
  if (!options.store) return options;
  return { ...options, store: instrumentStore(options.store, metrics?.storeCall) };
}

/** The metrics the `metrics` option asks for, registered; undefined when it asks none. */
function metricsOf(
  option: boolean | MetricsOptions | undefined,
  flows: readonly string[],
  store: FlowStore | undefined,
): MetricsRecorder | undefined {
  if (!option) return undefined;
  return createMetrics(option === true ? {} : option, flows, store);
}

/** An error's name, code and stack, without its message: messages can quote data. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  // Only the frames: a message, even one spread over several lines, may quote data.
  const frames = error.stack
    ?.split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
  return {
    name: error.name,
    class: error.constructor.name,
    code: (error as { code?: unknown }).code,
    stack: frames,
  };
}

/** `{flow}/{flowId}` for a request to one flow's addresses under `base`, else undefined. */
function flowAddressed(
  request: Request,
  base: string,
  names: readonly string[],
): string | undefined {
  const path = new URL(request.url).pathname.slice(base.length);
  const [, name, flowId] = path.split("/", 3);
  return name && flowId && names.includes(name) ? `${name}/${flowId}` : undefined;
}
