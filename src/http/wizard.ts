import { Hono } from "hono";
import type { FlowRegistry } from "../flow/registry.ts";
import { unsupportedFields } from "../form/index.ts";
import type { Logger } from "./app.ts";
import { methodNotAllowed } from "./problem.ts";
import { escapeHtml, htmlPage, serveStatic } from "./static-file.ts";
import type { WizardAssets } from "./wizard-assets.ts";

/**
 * The page may load only its own script and stylesheet and call only its own origin:
 * no CDN, no inline code, and no framing.
 */
const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  // The flow id is in the URL's fragment, which browsers never send; this covers the rest.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

/**
 * The web wizard's routes: `/` (the only flow's wizard, or a list when there are several),
 * `/wizard/{flow}` and the two assets. Pages link to everything by absolute paths under
 * `base`, where the handler is mounted, so `/api` and `/api/` serve the same page.
 */
export function wizardRoutes(registry: FlowRegistry, assets: WizardAssets, base: string): Hono {
  const app = new Hono();
  const flows = registry.names.flatMap((name) => registry.latest(name) ?? []);
  const root = `${base}/`;

  app.get("/", (c) => {
    const only = flows.length === 1 ? flows[0] : undefined;
    return c.body(only ? wizardPage(only, root) : indexPage(flows, root), 200, pageHeaders);
  });
  app.get("/wizard/assets/wizard.js", (c) => serveStatic(c.req.raw, assets.script));
  app.get("/wizard/assets/wizard.css", (c) => serveStatic(c.req.raw, assets.style));
  app.get("/wizard/:flow", (c) => {
    const flow = registry.latest(c.req.param("flow"));
    if (!flow) return c.body(notFoundPage(root), 404, pageHeaders);
    return c.body(wizardPage(flow, root), 200, pageHeaders);
  });
  app.all("/", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  app.all("/wizard/assets/:file{wizard\\.(js|css)}", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  // Any page address: it only reads, and "wizard" is no flow the API could mean.
  app.all("/wizard/:flow", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  return app;
}

/**
 * Logs a warning for each field of the served flows (their latest versions) that the
 * wizard's form cannot edit: `{ flow, step, path, reason }`, path a JSON Pointer into the
 * step data. Called once, when the wizard is set up.
 *
 * @example warnUnsupportedFields(registry, logger)
 * // warn { flow: "trip", step: "route", path: "/at", reason: "a list whose positions differ (prefixItems)" }
 */
export function warnUnsupportedFields(registry: FlowRegistry, logger: Logger): void {
  const warn = logger.warn ?? logger.error;
  for (const name of registry.names) {
    const flow = registry.latest(name);
    if (!flow) continue;
    for (const field of unsupportedFields(flow)) {
      warn.call(logger, { ...field }, "the wizard cannot edit this field");
    }
  }
}

interface Titled {
  name: string;
  title: string;
}

/** The wizard's shell; `root` is where the API is mounted, ending in `/`. */
function wizardPage(flow: Titled, root: string): string {
  return page(
    flow.title,
    `<meta name="waymark-flow" content="${escapeHtml(flow.name)}">
<meta name="waymark-title" content="${escapeHtml(flow.title)}">
<meta name="waymark-api" content="${root}">
<link rel="stylesheet" href="${root}wizard/assets/wizard.css">
<script type="module" src="${root}wizard/assets/wizard.js"></script>`,
    `<main id="app"><h1>${escapeHtml(flow.title)}</h1><noscript><p>This form needs JavaScript. The API it uses is documented in the README.</p></noscript></main>`,
  );
}

function indexPage(flows: readonly Titled[], root: string): string {
  const items = flows
    .map(
      (flow) =>
        `<li><a href="${root}wizard/${escapeHtml(flow.name)}">${escapeHtml(flow.title)}</a></li>`,
    )
    .join("");
  return page(
    "Flows",
    `<link rel="stylesheet" href="${root}wizard/assets/wizard.css">`,
    `<main><h1>Flows</h1><ul>${items}</ul></main>`,
  );
}

function notFoundPage(root: string): string {
  return page(
    "Not found",
    `<link rel="stylesheet" href="${root}wizard/assets/wizard.css">`,
    `<main><h1>There is no flow at this address</h1><p><a href="${root}">See the flows this server has</a></p></main>`,
  );
}

function page(title: string, head: string, body: string): string {
  return htmlPage(
    title,
    head,
    `${body}\n<p id="status" class="visually-hidden" aria-live="polite"></p>`,
  );
}
