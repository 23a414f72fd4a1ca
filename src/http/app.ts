import { Hono } from "hono";
import { routePath } from "hono/route";
import { WaymarkError } from "../errors.ts";
import { createRegistry } from "../flow/registry.ts";
import type { FlowDefinition } from "../flow/types.ts";
import type { FlowStore } from "../store/types.ts";
import { mustCloseAfter } from "./body.ts";
import { flowRoutes } from "./flow-routes.ts";
import { methodNotAllowed, problemResponse, problemStatus } from "./problem.ts";
import { wizardRoutes } from "./wizard.ts";
import type { WizardAssets } from "./wizard-assets.ts";

/** The subset of a logger (pino's shape) that Waymark writes to. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createWaymark}. */
export interface WaymarkOptions {
  /** The flows to serve, each under `/{name}`; several versions of one flow may be given. */
  flows: readonly FlowDefinition[];
  /** Where flow records live between requests. */
  store: FlowStore;
  /**
   * Largest request body accepted, in bytes.
   * @default 65536
   */
  maxBodyBytes?: number;
  /**
   * Answer 428 to a step write without `If-Match`.
   * @default false
   */
  requireIfMatch?: boolean;
  /** Where request lines and handler errors go; never given step data. */
  logger?: Logger;
  /**
   * The clock, read once per request and passed to the engine.
   * @default () => new Date()
   */
  now?: () => Date;
  /**
   * Serve the web wizard at `/` and `/wizard/{flow}`, built by `loadWizard()` from
   * `waymark/wizard`. Without it only the API is served.
   */
  wizard?: WizardAssets;
}

/** A Web-standard request handler: mount it in any server or framework. */
export interface Waymark {
  fetch(request: Request): Promise<Response>;
}

/**
 * Builds the HTTP API for a set of flows over one store.
 *
 * @example
 * const waymark = createWaymark({ flows: [onboarding], store: createSqliteStore({ path: "./waymark.db" }) });
 * serve({ fetch: waymark.fetch, port: 3000 });
 */
export function createWaymark(options: WaymarkOptions): Waymark {
  const app = new Hono();
  const logger = options.logger;

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
    await options.store.ping();
    return c.json({ status: "ready" });
  });
  app.all("/healthz", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  app.all("/readyz", () => {
    throw methodNotAllowed("GET, HEAD");
  });

  const registry = createRegistry(options.flows);
  // Before the API: `/wizard/{flow}` would otherwise read as a flow id.
  if (options.wizard) app.route("/", wizardRoutes(registry, options.wizard));
  app.route(
    "/",
    flowRoutes({
      registry,
      store: options.store,
      limits: { maxBytes: options.maxBodyBytes ?? 65_536, maxDepth: 32 },
      requireIfMatch: options.requireIfMatch ?? false,
      now: options.now ?? (() => new Date()),
      ...(logger ? { logger } : {}),
    }),
  );

  app.notFound(() =>
    problemResponse(new WaymarkError("route-not-found", "There is nothing at this address")),
  );
  app.onError((error, c) => {
    if (!(error instanceof WaymarkError) || problemStatus(error.code) >= 500) {
      logger?.error({ route: routePath(c), err: describe(error) }, "request failed");
    }
    return problemResponse(error, mustCloseAfter(error) ? { connection: "close" } : {});
  });

  return { fetch: (request) => Promise.resolve(app.fetch(request)) };
}

/** An error's name, code and stack, without its message: messages can quote data. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  // Only the frames: a message, even one spread over several lines, may quote data.
  const frames = error.stack
    ?.split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
  return { name: error.name, code: (error as { code?: unknown }).code, stack: frames };
}
