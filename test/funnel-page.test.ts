import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { duration, funnelPageHeaders, renderFunnelPage } from "../src/http/funnel-page.ts";
import { sampleReport } from "./support/funnel-report.ts";

const view = {
  base: "/api",
  flows: ["onboarding", "checkout"],
  flow: "onboarding",
  window: "7d",
  windows: ["1d", "7d", "30d", "90d"],
};

describe("the funnel page", () => {
  const html = renderFunnelPage({ ...view, content: { report: sampleReport } });

  it("draws one accessible SVG per step, each titled with its figures", () => {
    const svgs = [
      ...html.matchAll(
        /<svg role="img" aria-labelledby="([^"]+)"[^>]*><title id="([^"]+)">([^<]*)<\/title>/g,
      ),
    ];
    expect(svgs).toHaveLength(5);
    for (const [, labelledBy, id] of svgs) expect(labelledBy).toBe(id);
    expect(svgs.map((svg) => svg[3])).toEqual([
      "Personal information: reached 4, completed 3, stopped there 1",
      "review: reached 3, completed 1, stopped there 2",
      "Personal information: reached 120, completed 110, stopped there 10",
      "company-details: reached 0, completed 0, stopped there 0",
      "review: reached 110, completed 84, stopped there 26",
    ]);
    expect(html).not.toContain("<script");
  });

  it("gives every figure in a table too", () => {
    expect(html).toContain("<caption>Version 2, step by step</caption>");
    expect(html).toContain(
      '<tr><th scope="row">1. Personal information</th><td class="n">120</td><td class="n">110</td><td class="n">10</td><td class="n">0</td><td class="n">1 min 1 s</td><td class="n">3 min 20 s</td><td><code>/email</code> (31), <code>/dateOfBirth</code> (12)</td></tr>',
    );
    expect(html).toContain(
      '<td class="n">60</td><td class="n">—</td><td class="n">—</td><td>none</td>',
    );
    expect(html).toContain("<p>120 flows started, 84 completed (70%).</p>");
    expect(html).toContain('<time datetime="2026-11-24T10:00:00.000Z">2026-11-24 10:00 UTC</time>');
  });

  // Regression: a refusal of a body that was not an object (field "") showed as a bare
  // "<code></code> (1)"; the page labels it as the CLI does.
  it("labels the whole step's refusal as the CLI does, and says failed fields count refusals", async () => {
    const { formatFunnel } = await import("../src/cli/funnel-format.ts");
    const [version] = sampleReport.versions;
    const [first, ...rest] = version?.steps ?? [];
    if (!version || !first) throw new Error("the sample report has a step");
    const report = {
      ...sampleReport,
      versions: [
        {
          ...version,
          steps: [
            {
              ...first,
              failedFields: [
                { field: "", count: 1 },
                { field: "/email", count: 1 },
              ],
            },
            ...rest,
          ],
        },
      ],
    };
    const page = renderFunnelPage({ ...view, content: { report } });
    expect(page).toContain("<td>(the whole step) (1), <code>/email</code> (1)</td>");
    expect(page).not.toContain("<code></code>");
    expect(formatFunnel(report)).toContain("(the whole step) 1, /email 1");
    expect(page).toContain('<th scope="col">Fields refused most, per refusal</th>');
    expect(page).toContain(
      "Fields refused most count refusals, not flows: every refusal (422) made in the hours the window overlaps",
    );
  });

  it("picks flows and windows with plain links under the base path", () => {
    expect(html).toContain(
      '<a href="/api/admin/funnel?flow=onboarding&amp;since=7d" aria-current="page">onboarding</a>',
    );
    expect(html).toContain('<a href="/api/admin/funnel?flow=checkout&amp;since=7d">checkout</a>');
    expect(html).toContain(
      '<a href="/api/admin/funnel?flow=onboarding&amp;since=30d">Last 30 days</a>',
    );
    expect(html).toContain('aria-current="page">Last 7 days</a>');
    expect(html).toContain("<title>Funnel: onboarding · Waymark admin</title>");
  });

  it("escapes what it shows, and says why there is no report", () => {
    const page = renderFunnelPage({
      ...view,
      flow: '<img src=x onerror="alert(1)">',
      content: { unavailable: 'There is no flow named "<b>".' },
    });
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>");
    expect(page).toContain("There is no flow named &quot;&lt;b&gt;&quot;.");
    expect(page).not.toContain("<svg");
    const empty = renderFunnelPage({
      ...view,
      content: { report: { ...sampleReport, versions: [] } },
    });
    expect(empty).toContain("No onboarding flow started in this window.");
  });

  it("allows its own style sheet and nothing else", () => {
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? "";
    const hash = createHash("sha256").update(style).digest("base64");
    const csp = funnelPageHeaders["content-security-policy"];
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(funnelPageHeaders["cache-control"]).toBe("no-store");
    expect(html).not.toMatch(/ style="/);
  });

  it("says durations as people do", () => {
    expect(duration(null)).toBe("—");
    expect(duration(450)).toBe("450 ms");
    expect(duration(45_000)).toBe("45 s");
    expect(duration(120_000)).toBe("2 min");
    expect(duration(7_500_000)).toBe("2 h 5 min");
  });
});
