import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenApiDocument } from "waymark";
import { launchChromium, watchForErrors } from "./support/browser.ts";
import { operationsOf } from "./support/openapi-document.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";

// The API docs page of a real `waymark serve`, in Debian's Chromium.
describe("/docs in a browser", () => {
  let browser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchChromium(),
      startServer({ store: "sqlite::memory:" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.stop()]);
  });

  it("renders every operation from the server's own files, within its Content-Security-Policy", async () => {
    const page = await browser.newPage();
    const errors = watchForErrors(page);
    const refused: string[] = [];
    const elsewhere: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") refused.push(message.text());
    });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(`${server.url}/`) && !url.startsWith("data:")) elsewhere.push(url);
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`CSP ${event.violatedDirective} ${event.blockedURI}`);
      });
    });

    await page.goto(`${server.url}/docs`);
    const published = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    await expect
      .poll(() => page.locator(".opblock").count(), { timeout: 15_000 })
      .toBe(operationsOf(published).length);
    expect(await page.locator(".info .title").first().textContent()).toContain(
      published.info.title,
    );

    // "Try it out" calls the API on the same origin: starting a flow answers 201.
    const start = page.locator(".opblock-post").first();
    await start.locator(".opblock-summary").click();
    await start.locator(".try-out__btn").click();
    await start.locator(".execute").click();
    await expect
      .poll(
        () =>
          start
            .locator(".live-responses-table tr.response .response-col_status")
            .first()
            .textContent(),
        {
          timeout: 15_000,
        },
      )
      .toContain("201");

    expect(refused).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("is turned off by --no-docs, which keeps /openapi.json", async () => {
    const bare = await startServer({ store: "sqlite::memory:", args: ["--no-docs"] });
    try {
      expect((await fetch(`${bare.url}/docs`)).status).toBe(404);
      expect((await fetch(`${bare.url}/openapi.json`)).status).toBe(200);
    } finally {
      await bare.stop();
    }
  });
});
