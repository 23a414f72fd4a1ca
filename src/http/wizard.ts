import { Hono } from "hono";
import { flowText } from "../flow/messages.ts";
import type { FlowRegistry } from "../flow/registry.ts";
import type { FlowDefinition } from "../flow/types.ts";
import { unsupportedFields } from "../form/index.ts";
import { translate } from "../i18n/catalogue.ts";
import { pageMessages } from "../i18n/page-messages.ts";
import type { Logger } from "./app.ts";
import { requestLocale } from "./locale.ts";
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
  // Each page is written in the language the request asks for.
  vary: "accept-language",
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
    const locale = requestLocale(c.req.raw, only);
    const html = only ? wizardPage(only, root, locale) : indexPage(flows, root, locale);
    return c.body(html, 200, pageHeaders);
  });
  app.get("/wizard/assets/wizard.js", (c) => serveStatic(c.req.raw, assets.script));
  app.get("/wizard/assets/wizard.css", (c) => serveStatic(c.req.raw, assets.style));
  app.get("/wizard/:flow", (c) => {
    const flow = registry.latest(c.req.param("flow"));
    const locale = requestLocale(c.req.raw, flow);
    if (!flow) return c.body(notFoundPage(root, locale), 404, pageHeaders);
    return c.body(wizardPage(flow, root, locale), 200, pageHeaders);
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

/** What a page shows of a flow: its name, and its title and description translated. */
type Shown = Pick<FlowDefinition, "name" | "title" | "description" | "messages">;

/** The wizard's shell; `root` is where the API is mounted, ending in `/`. */
function wizardPage(flow: Shown, root: string, locale: string): string {
  const title = pageText(flow, locale, flow.title);
  return page(
    locale,
    title,
    `<meta name="waymark-flow" content="${escapeHtml(flow.name)}">
<meta name="waymark-title" content="${escapeHtml(title)}">
<meta name="waymark-api" content="${root}">
<link rel="stylesheet" href="${root}wizard/assets/wizard.css">
<script type="module" src="${root}wizard/assets/wizard.js"></script>`,
    `<main id="app"><h1>${escapeHtml(title)}</h1><noscript><p>${escapeHtml(say(locale, "noScript"))}</p></noscript></main>`,
  );
}

/** The flows this server has, each its title linking to its wizard, its description below. */
function indexPage(flows: readonly Shown[], root: string, locale: string): string {
  const items = flows
    .map((flow) => {
      const description = flow.description
        ? `<p>${escapeHtml(pageText(flow, locale, flow.description))}</p>`
        : "";
      const title = escapeHtml(pageText(flow, locale, flow.title));
      return `<li><a href="${root}wizard/${escapeHtml(flow.name)}">${title}</a>${description}</li>`;
    })
    .join("");
  return page(
    locale,
    say(locale, "flows"),
    `<link rel="stylesheet" href="${root}wizard/assets/wizard.css">`,
    `<main><h1>${escapeHtml(say(locale, "flowsHeading"))}</h1><ul class="flows">${items}</ul></main>`,
  );
}

function notFoundPage(root: string, locale: string): string {
  return page(
    locale,
    say(locale, "notFound"),
    `<link rel="stylesheet" href="${root}wizard/assets/wizard.css">`,
    `<main><h1>${escapeHtml(say(locale, "notFoundHeading"))}</h1><p><a href="${root}">${escapeHtml(say(locale, "allFlows"))}</a></p></main>`,
  );
}

function say(locale: string, key: keyof typeof pageMessages.en): string {
  return translate(pageMessages, locale, key);
}

/** A page in `locale`, with the live region every page announces through. */
function page(locale: string, title: string, head: string, body: string): string {
  return htmlPage(
    title,
    head,
    `${body}\n<p id="status" class="visually-hidden" aria-live="polite"></p>`,
    locale,
  );
}

/**
 * A flow's text for a page: as its `messages` translate it, or as written when they
 * fail. A page shell must open whatever a flow's translations do (the API reports their
 * failure as `definition-error`), and one flow must not take the list of all down.
 */
function pageText(flow: Shown, locale: string, text: string): string {
  try {
    return flowText(flow, locale, text);
  } catch {
    return text;
  }
}
