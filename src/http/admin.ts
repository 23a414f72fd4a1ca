import { Hono } from "hono";
import type { FlowRegistry } from "../flow/registry.ts";
import { computeFunnel } from "../service/funnel.ts";
import type { FlowStore } from "../store/types.ts";
import { funnelPageHeaders, renderFunnelPage } from "./funnel-page.ts";
import { requireToken } from "./operator.ts";
import { methodNotAllowed, routeNotFound } from "./problem.ts";

/** What the operator pages need from the app. */
export interface AdminRoutesOptions {
  /** Where the handler is mounted: `""` or `"/api"`. */
  base: string;
  /** The operator token; without one, every `/admin` address answers 404. */
  token: string | undefined;
  registry: FlowRegistry;
  store: FlowStore | undefined;
  now: () => Date;
}

/** The windows the page offers; `since` takes any of `1h`…`2160h` or `1d`…`90d`. */
const windows = ["1d", "7d", "30d", "90d"] as const;
const defaultWindow = "7d";
const windowPattern = /^(\d+)([hd])$/;
const maxWindowMs = 90 * 86_400_000;

/**
 * The operator pages under `/admin`, behind the operator token (Bearer, or Basic with the
 * token as password): `/admin/funnel?flow={flow}&since={window}`, the funnel of a flow
 * over the flows started in the window (`7d` by default), and `/admin`, which leads there.
 * Without a token they are off and answer 404, as any unknown address does.
 */
export function adminRoutes(options: AdminRoutesOptions): Hono {
  const { base, token, registry, store } = options;
  const app = new Hono();
  if (token === undefined) {
    // `/admin/*` matches `/admin` too.
    app.all("/admin/*", notFound);
    return app;
  }
  app.use("/admin/*", requireToken(token, "basic"));
  app.get("/admin", (c) => c.redirect(`${base}/admin/funnel`, 303));
  app.get("/admin/funnel", async (c) => {
    const flows = registry.names;
    const flow = c.req.query("flow") ?? flows[0] ?? "";
    const window = c.req.query("since") ?? defaultWindow;
    const view = { base, flows, flow, window, windows };
    const page = (
      status: 200 | 400 | 404,
      content: Parameters<typeof renderFunnelPage>[0]["content"],
    ) => c.body(renderFunnelPage({ ...view, content }), status, funnelPageHeaders);
    if (!registry.latest(flow)) {
      return page(404, { unavailable: `There is no flow named "${flow}": pick one above.` });
    }
    const windowMs = windowLength(window);
    if (typeof windowMs === "string") {
      return page(400, {
        unavailable:
          windowMs === "too-long"
            ? `"${window}" is too long a window: give at most 90 days (90d or 2160h).`
            : `"${window}" is not a window: give hours or days, such as 12h or 7d, up to 90 days.`,
      });
    }
    if (!store?.scanRecords) {
      return page(200, {
        unavailable: store
          ? "The funnel needs a store that can list its flows (scanRecords), as the SQLite, PostgreSQL, Redis and memory stores do; this one cannot."
          : "The funnel needs a store: in token mode each flow lives in its own token, and the server keeps nothing to count.",
      });
    }
    const until = options.now();
    const since = new Date(until.getTime() - windowMs);
    return page(200, { report: await computeFunnel({ store, registry, flow, since, until }) });
  });
  app.all("/admin", notAllowed);
  app.all("/admin/funnel", notAllowed);
  app.all("/admin/*", notFound);
  return app;
}

/** A window such as `7d` or `12h` in milliseconds, or why it is not one. */
function windowLength(window: string): number | "malformed" | "too-long" {
  const match = windowPattern.exec(window);
  const ms = match ? Number(match[1]) * (match[2] === "h" ? 3_600_000 : 86_400_000) : 0;
  if (!(ms > 0)) return "malformed";
  return ms <= maxWindowMs ? ms : "too-long";
}

function notFound(): never {
  throw routeNotFound();
}

function notAllowed(): never {
  throw methodNotAllowed("GET, HEAD");
}
