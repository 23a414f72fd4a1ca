import { Hono } from "hono";
import { routePath } from "hono/route";
import { WaymarkError } from "../errors.ts";
import type { FlowDefinition } from "../flow/types.ts";
import { createFlowService, type FlowKeeping } from "../service/flows.ts";
import { mustCloseAfter } from "./body.ts";
import { flowRoutes } from "./flow-routes.ts";
import type { CorsOptions } from "./cors.ts";
import { methodNotAllowed, problemResponse, problemStatus } from "./problem.ts";
import type { RateLimitOptions } from "./rate-limit.ts";
import { wizardRoutes } from "./wizard.ts";
import type { WizardAssets } from "./wizard-assets.ts";

/** The subset of a logger (pino's shape) that Waymark writes to. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
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
  /** Where request lines and handler errors go; never given step data. */
  logger?: Logger | undefined;
  /**
   * The clock, read once per request and passed to the engine.
   * @default () => new Date()
   */
  now?: (() => Date) | undefined;
  /**
   * Serve the web wizard at `/` and `/wizard/{flow}`, built by `loadWizard()` from
   * `waymark/wizard`. Without it only the API is served.
   */
  wizard?: WizardAssets | undefined;
  /** Limit requests per client; without it nothing is limited. */
  rateLimit?: RateLimitOptions | undefined;
  /** Let browsers on other origins call the API; without it only same-origin pages can. */
  cors?: CorsOptions | undefined;
}

/**
 * A Web-standard request handler: mount it in any server or framework.
 *
 * @example const response = await waymark.fetch(new Request("http://localhost/api/onboarding", { method: "POST" }));
 */
export interface Waymark {
  /** Answers one request; never rejects (failures are problem+json responses). */
  fetch(request: Request): Promise<Response>;
  /** Where it is mounted: `""` or a prefix such as `"/api"`, as given to `createWaymark`. */
  readonly basePath: string;
}

/** A base path: empty, or `/segment` repeated (never `.` or `..`), with no trailing slash. */
const basePathPattern = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)*$/;

/**
 * Builds the HTTP API (and, with `wizard`, the web wizard) for a set of flows: one
 * Web-standard `fetch` handler to mount in any server or framework (`waymark/node` for
 * node:http, Express and Fastify).
 *
 * @throws Error for a malformed `basePath`, a reserved flow name or a version defined twice.
 * @example
 * const waymark = createWaymark({
 *   flows: [onboarding],
 *   store: createSqliteStore({ path: "./waymark.db" }),
 *   basePath: "/api",
 * });
 * http.createServer(toNodeListener(waymark)).listen(3000);
 */
export function createWaymark(options: WaymarkOptions): Waymark {
  const base = options.basePath === "/" ? "" : (options.basePath ?? "");
  if (!basePathPattern.test(base)) {
    throw new Error(
      `basePath "${base}" must be empty or a path like "/api" or "/api/v1": each segment of letters, digits, "-", "_", "." or "~" (not "." or ".."), no query, no trailing slash`,
    );
  }
  const logger = options.logger;
  const service = createFlowService(options);
  // Not strict: `/api` and `/api/` both lead to the wizard when mounted under `/api`.
  const app = new Hono({ strict: false }).basePath(base || "/");

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    // The URL itself is not logged: a flow id is a bearer credential.
    logger?.info(
      {
        method: c.req.method,
        route: routePath(c),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "request",
    );
  });

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

  // Before the API: `/wizard/{flow}` would otherwise read as a flow id.
  if (options.wizard) app.route("/", wizardRoutes(service.registry, options.wizard, base));
  app.route(
    "/",
    flowRoutes({
      service,
      base,
      limits: { maxBytes: options.maxBodyBytes ?? 65_536, maxDepth: 32 },
      requireIfMatch: options.requireIfMatch ?? false,
      now: options.now ?? (() => new Date()),
    }),
  );

  app.notFound(() =>
    problemResponse(new WaymarkError("route-not-found", "There is nothing at this address")),
  );
  app.onError((error, c) => {
    if (error instanceof WaymarkError && error.code === "definition-error") {
      // The flow, step and hook, and the class of what the definition threw: never its message.
      const { flow, step, hook } = error.extensions;
      const err = describe(error.cause);
      logger?.error(
        { route: routePath(c), code: error.code, flow, step, hook, err },
        "definition failed",
      );
    } else if (!(error instanceof WaymarkError) || problemStatus(error.code) >= 500) {
      logger?.error({ route: routePath(c), err: describe(error) }, "request failed");
    }
    return problemResponse(error, mustCloseAfter(error) ? { connection: "close" } : {});
  });

  return { fetch: (request) => Promise.resolve(app.fetch(request)), basePath: base };
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
