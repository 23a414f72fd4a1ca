import { createHash } from "node:crypto";
import {
  type FunnelReport,
  type FunnelStep,
  type FunnelVersion,
  failedFieldLabel,
} from "../contract/funnel.ts";

/**
 * What the funnel page shows: where it is mounted, the flows and windows to pick from,
 * the ones picked, and the report, or why there is none.
 *
 * @example { base: "", flows: ["onboarding"], flow: "onboarding", window: "7d", windows: ["1d", "7d", "30d", "90d"], content: { report } }
 */
export interface FunnelPageView {
  /** Where the handler is mounted: `""` or `"/api"`. */
  base: string;
  /** The registered flows, in the picker's order. */
  flows: readonly string[];
  flow: string;
  /** The window picked, as in the query: `7d`. */
  window: string;
  windows: readonly string[];
  /** The report, or a sentence saying why there is none (a store that cannot list flows). */
  content: { report: FunnelReport } | { unavailable: string };
}

/** The page's one style sheet, inline: what the wizard's `web/styles.css` looks like. */
const styles = `
:root{color-scheme:light dark;--text:#1b1f24;--muted:#57606a;--page:#f6f7f9;--panel:#fff;--line:#d0d7de;--accent:#1d5fd1;--done:#1a7f37;--error:#b42318;--focus:#ffbf47;--radius:.5rem;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5;color:var(--text);background:var(--page)}
@media (prefers-color-scheme:dark){:root{--text:#e6edf3;--muted:#9da7b3;--page:#0d1117;--panel:#161b22;--line:#3d444d;--accent:#4c8dff;--done:#3fb950;--error:#ff7b72}}
*,*::before,*::after{box-sizing:border-box}
body{margin:0}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .5rem}
h2{font-size:1.35rem;margin:2rem 0 .5rem}
p{margin:0 0 1rem}
.lead{font-size:1.1rem;color:var(--muted)}
nav{margin:0 0 1rem}
nav h2{font-size:.95rem;margin:0 0 .25rem;color:var(--muted)}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
nav a{display:inline-block;padding:.25rem .75rem;border:1px solid var(--line);border-radius:999px;background:var(--panel);color:var(--accent);text-decoration:none}
nav a[aria-current="page"]{background:var(--accent);border-color:var(--accent);color:var(--panel);font-weight:600}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;box-shadow:0 0 0 5px var(--text)}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:var(--radius);padding:1.25rem;margin-bottom:1.5rem}
.steps{list-style:none;margin:0 0 1.5rem;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem}
.steps li{background:var(--panel);border:1px solid var(--line);border-radius:var(--radius);padding:1rem}
.steps h3{font-size:1.05rem;margin:0 0 .5rem}
.steps .number{color:var(--muted);font-weight:400}
svg{display:block;width:100%;height:auto}
svg text{fill:var(--text);font-size:13px}
.reached{fill:var(--accent)}
.completed{fill:var(--done)}
.stopped{fill:var(--error)}
.track{fill:var(--line);opacity:.4}
.legend{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0 0 1rem;padding:0;color:var(--muted)}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:-.05rem}
.swatch.reached{background:var(--accent)}
.swatch.completed{background:var(--done)}
.swatch.stopped{background:var(--error)}
table{border-collapse:collapse;width:100%;background:var(--panel);font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.table{overflow-x:auto}
`;

/**
 * The page's headers: HTML, never cached (the figures are live), and a Content Security
 * Policy that lets in nothing but its own inline style sheet (no script at all).
 */
export const funnelPageHeaders: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${createHash("sha256").update(styles).digest("base64")}'; img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

/**
 * Renders the funnel page: a flow picker and a window picker (plain links), then per
 * definition version how many started and completed, one bar chart per step (an inline
 * SVG with `role="img"` and a `<title>` saying its figures) and a table with every
 * figure. A pure function of its view: no clock, no store.
 *
 * @example renderFunnelPage({ base: "", flows: ["onboarding"], flow: "onboarding", window: "7d", windows: ["7d"], content: { report } })
 */
export function renderFunnelPage(view: FunnelPageView): string {
  const { flow } = view;
  const body =
    "report" in view.content
      ? reportSection(view.content.report)
      : `<p class="panel" role="status">${escapeHtml(view.content.unavailable)}</p>`;
  const period =
    "report" in view.content
      ? `<p class="lead">Flows started from ${timeTag(view.content.report.since)} to ${timeTag(view.content.report.until)}.</p>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Funnel: ${escapeHtml(flow)} · Waymark admin</title>
<style>${styles}</style>
</head>
<body>
<main>
<h1>Funnel: ${escapeHtml(flow)}</h1>
${period}
${picker("Flow", view.flows, flow, (name) => pageHref(view, name, view.window))}
${picker("Window", view.windows, view.window, (window) => pageHref(view, flow, window), windowName)}
${body}
</main>
</body>
</html>
`;
}

function pageHref(view: FunnelPageView, flow: string, window: string): string {
  return `${view.base}/admin/funnel?flow=${encodeURIComponent(flow)}&amp;since=${encodeURIComponent(window)}`;
}

function picker(
  label: string,
  items: readonly string[],
  current: string,
  href: (item: string) => string,
  name: (item: string) => string = (item) => item,
): string {
  const links = items.map((item) => {
    const here = item === current ? ' aria-current="page"' : "";
    return `<li><a href="${href(item)}"${here}>${escapeHtml(name(item))}</a></li>`;
  });
  return `<nav aria-labelledby="pick-${label.toLowerCase()}"><h2 id="pick-${label.toLowerCase()}">${label}</h2><ul>${links.join("")}</ul></nav>`;
}

/** `7d` as "Last 7 days", `1d` as "Last day", `12h` as "Last 12 hours". */
function windowName(window: string): string {
  const count = Number(window.slice(0, -1));
  const unit = window.endsWith("h") ? "hour" : "day";
  return count === 1 ? `Last ${unit}` : `Last ${count} ${unit}s`;
}

function reportSection(report: FunnelReport): string {
  if (report.versions.length === 0) {
    return `<p class="panel" role="status">No ${escapeHtml(report.flow)} flow started in this window.</p>`;
  }
  const legend = `<ul class="legend" aria-hidden="true"><li><span class="swatch reached"></span>Reached</li><li><span class="swatch completed"></span>Completed</li><li><span class="swatch stopped"></span>Stopped there</li></ul>`;
  return legend + report.versions.map((version) => versionSection(version)).join("\n");
}

/** Failed fields are kept per hour of the refusal, not per flow: said under every table. */
const fieldsNote =
  "Fields refused most count refusals, not flows: every refusal (422) made in the hours the window overlaps, whichever flow made it, flows started before the window and flows erased since included, and a flow refused twice counts twice. The other columns count the flows started in the window.";

function versionSection(version: FunnelVersion): string {
  const v = version.definitionVersion;
  const scale = Math.max(1, version.started, ...version.steps.map((step) => step.reached));
  const charts = version.steps.map((step) => stepChart(v, step, scale)).join("");
  const rows = version.steps.map((step) => stepRow(step)).join("");
  return `<section aria-labelledby="v${v}">
<h2 id="v${v}">Version ${v}</h2>
<p>${count(version.started, "flow")} started, ${version.completed} completed (${percent(version.completionRate)}).</p>
<ol class="steps">${charts}</ol>
<div class="table"><table>
<caption>Version ${v}, step by step</caption>
<thead><tr><th scope="col">Step</th><th scope="col">Reached</th><th scope="col">Completed</th><th scope="col">Stopped there</th><th scope="col">Skipped</th><th scope="col">Median time</th><th scope="col">90th percentile</th><th scope="col">Fields refused most, per refusal</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
<p>${fieldsNote}</p>
</section>`;
}

const barTop = [4, 36, 68];
const labelWidth = 125;
const chartWidth = 280;

function stepChart(v: number, step: FunnelStep, scale: number): string {
  const id = `v${v}-s${step.number}`;
  const name = step.title ?? step.name;
  const bars = (
    [
      ["reached", "Reached", step.reached],
      ["completed", "Completed", step.completed],
      ["stopped", "Stopped there", step.stopped],
    ] as const
  ).map(([kind, label, value], index) => {
    const y = barTop[index] ?? 0;
    const width = Math.round(((chartWidth - labelWidth) * value) / scale);
    return (
      `<text x="0" y="${y + 17}">${label}: ${value}</text>` +
      `<rect class="track" x="${labelWidth}" y="${y}" width="${chartWidth - labelWidth}" height="24" rx="3"/>` +
      `<rect class="${kind}" x="${labelWidth}" y="${y}" width="${width}" height="24" rx="3"/>`
    );
  });
  const summary = `${name}: reached ${step.reached}, completed ${step.completed}, stopped there ${step.stopped}`;
  return `<li><h3><span class="number">${step.number}.</span> ${escapeHtml(name)}</h3><svg role="img" aria-labelledby="${id}" viewBox="0 0 ${chartWidth} 96" width="${chartWidth}" height="96"><title id="${id}">${escapeHtml(summary)}</title>${bars.join("")}</svg></li>`;
}

function stepRow(step: FunnelStep): string {
  const fields =
    step.failedFields.length === 0
      ? "none"
      : step.failedFields
          .slice(0, 3)
          .map(({ field, count }) => {
            const { label, pointer } = failedFieldLabel(field);
            return `${pointer ? `<code>${escapeHtml(label)}</code>` : escapeHtml(label)} (${count})`;
          })
          .join(", ");
  return `<tr><th scope="row">${step.number}. ${escapeHtml(step.title ?? step.name)}</th><td class="n">${step.reached}</td><td class="n">${step.completed}</td><td class="n">${step.stopped}</td><td class="n">${step.skipped}</td><td class="n">${duration(step.timeMs.median)}</td><td class="n">${duration(step.timeMs.p90)}</td><td>${fields}</td></tr>`;
}

/**
 * A duration for people: `45 s`, `3 min 20 s`, `2 h 5 min`; an em dash for none.
 *
 * @example duration(200_000) // "3 min 20 s"
 */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return `${Math.round(ms)} ms`;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60)
    return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function timeTag(instant: string): string {
  const shown = instant.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
  return `<time datetime="${escapeHtml(instant)}">${escapeHtml(shown)}</time>`;
}

const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}
