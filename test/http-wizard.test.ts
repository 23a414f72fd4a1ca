import { describe, expect, it } from "vitest";
import { defineFlow, defineStep } from "waymark";
import { loadWizard } from "waymark/wizard";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { fieldTypes } from "./fixtures/field-types-flow.ts";
import { createHttpClient, expectProblem } from "./support/http-client.ts";

const wizard = await loadWizard();

describe("HTTP: the web wizard's pages and assets", () => {
  it("serves the only flow's wizard at / with a strict Content-Security-Policy", async () => {
    const client = createHttpClient({ wizard });
    const response = await client.send("GET", "/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html).toContain('<meta name="waymark-flow" content="onboarding">');
    expect(html).toContain('<meta name="waymark-api" content="/">');
    expect(html).toContain('<script type="module" src="/wizard/assets/wizard.js">');
    // Offline: nothing is loaded from another origin.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("serves each flow's wizard at /wizard/{flow}, linking to the API by absolute paths", async () => {
    const client = createHttpClient({ wizard });
    const html = await (await client.send("GET", "/wizard/onboarding")).text();
    expect(html).toContain('<meta name="waymark-api" content="/">');
    expect(html).toContain('<link rel="stylesheet" href="/wizard/assets/wizard.css">');
    const missing = await client.send("GET", "/wizard/offboarding");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("There is no flow at this address");
  });

  it("lists the flows at / when there are several, escaping their titles", async () => {
    const client = createHttpClient({ wizard, flows: [onboarding, fieldTypes] });
    const html = await (await client.send("GET", "/")).text();
    expect(html).toContain('<a href="/wizard/onboarding">Onboarding</a>');
    expect(html).toContain('<a href="/wizard/field-types">Field &#60;types&#62; &#38; more</a>');
    expect(html).not.toContain("<types>");
  });

  // Regression: a messages function that threw answered the pages with a 500, the list of
  // every flow included.
  it("opens the pages with a flow's texts as written when its messages function throws", async () => {
    const fragile = defineFlow({
      name: "fragile",
      title: "Fragile",
      ttl: "1h",
      messages: (locale) => {
        if (locale === "ar") throw new TypeError("no Arabic");
        return undefined;
      },
    }).step({ name: "only", schema: z.strictObject({ name: z.string() }) });
    const client = createHttpClient({ wizard, flows: [onboarding, fragile] });
    const arabic = { headers: { "accept-language": "ar" } };
    const list = await client.send("GET", "/", arabic);
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain('<a href="/wizard/fragile">Fragile</a>');
    expect(html).toContain("إجراءات الانضمام");
    const page = await client.send("GET", "/wizard/fragile", arabic);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Fragile</title>");
  });

  it("under a basePath, serves the page at /api and /api/ with every link under /api", async () => {
    const client = createHttpClient({ wizard, basePath: "/api" });
    for (const path of ["/api", "/api/"]) {
      const html = await (await client.send("GET", path)).text();
      expect(html).toContain('<meta name="waymark-api" content="/api/">');
      expect(html).toContain('<script type="module" src="/api/wizard/assets/wizard.js">');
      expect(html).toContain('<link rel="stylesheet" href="/api/wizard/assets/wizard.css">');
    }
    const script = await client.send("GET", "/api/wizard/assets/wizard.js");
    expect(script.status).toBe(200);
    expect((await client.send("GET", "/wizard/assets/wizard.js")).status).toBe(404);
  });

  it("serves the script and stylesheet with ETags, answering 304 when unchanged", async () => {
    const client = createHttpClient({ wizard });
    for (const [path, type] of [
      ["/wizard/assets/wizard.js", "text/javascript; charset=utf-8"],
      ["/wizard/assets/wizard.css", "text/css; charset=utf-8"],
    ] as const) {
      const response = await client.send("GET", path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(type);
      const etag = response.headers.get("etag") ?? "";
      expect(etag).toMatch(/^"[\w-]{22}"$/);
      expect((await response.text()).length).toBeGreaterThan(1000);
      const again = await client.send("GET", path, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
    }
  });

  it("the bundle is built from web/ and talks to the API only", () => {
    expect(wizard.script.body).toContain('"waymark-flow"');
    expect(wizard.script.body).toContain('"if-match"');
    expect(wizard.script.body).not.toMatch(/https?:\/\/(?!json-schema\.org)/);
    expect(wizard.style.body).toContain(":focus-visible");
  });

  it("answers HEAD like GET, and 405 to other methods on its pages", async () => {
    const client = createHttpClient({ wizard });
    const head = await client.send("HEAD", "/");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await client.send("POST", "/");
    await expectProblem(post, 405, "method-not-allowed");
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    await expectProblem(
      await client.send("PUT", "/wizard/assets/wizard.js"),
      405,
      "method-not-allowed",
    );
    // A page address, of a flow or not, only reads.
    for (const path of ["/wizard/onboarding", "/wizard/no-such-flow"]) {
      const refused = await client.send("POST", path);
      await expectProblem(refused, 405, "method-not-allowed");
      expect(refused.headers.get("allow")).toBe("GET, HEAD");
    }
  });

  it("without the wizard, / and /wizard/{flow} are the API's 404, not a flow", async () => {
    const client = createHttpClient();
    await expectProblem(await client.send("GET", "/"), 404, "route-not-found");
    await expectProblem(await client.send("GET", "/wizard/onboarding"), 404, "route-not-found");
  });

  it("leaves the API as it is: flows are still created and read under /{flow}", async () => {
    const client = createHttpClient({ wizard });
    const { path } = await client.start();
    const { flow } = await client.read(path);
    expect(flow.status).toBe("in_progress");
  });

  it("refuses a flow named like the wizard's path", () => {
    const clash = defineFlow({
      name: "wizard",
      ttl: "1h",
      steps: [defineStep({ name: "a", schema: z.strictObject({}) })],
    });
    expect(() => createHttpClient({ wizard, flows: [clash] })).toThrow(
      'flow "wizard": the name is reserved',
    );
  });
});
