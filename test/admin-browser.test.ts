import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { type RunningServer, startServer } from "waymark/server";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import { accessibilityViolations, launchChromium } from "./support/browser.ts";
import { seededWindow, seedFunnel } from "./support/funnel-seed.ts";

const token = "browser-admin-token-0123456789abcdefgh";
const silent = { info() {}, warn() {}, error() {} };

// The funnel page in Debian's Chromium, served by startServer over a seeded SQLite store.
describe("the funnel page in a browser", () => {
  let browser: Browser;
  let server: RunningServer;

  beforeAll(async () => {
    const store = createSqliteStore({ path: ":memory:" });
    await seedFunnel(store);
    const waymark = createWaymark({
      flows: [onboarding],
      store,
      adminToken: token,
      now: () => seededWindow.until,
    });
    server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger: silent });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("asks for the token: 401 without it", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless Chromium cannot show the sign-in dialog: it ends the navigation instead.
    await expect(page.goto(`${server.url}/admin/funnel`)).rejects.toThrow(
      "ERR_INVALID_AUTH_CREDENTIALS",
    );
    // The answer itself, through the context's request API (which asks for no credentials).
    const response = await context.request.get(`${server.url}/admin/funnel`, {
      headers: { accept: "text/html" },
    });
    const answer = {
      status: response.status(),
      challenge: response.headers()["www-authenticate"],
      body: await response.text(),
    };
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Basic realm="Waymark admin"/);
    expect(answer.body).toContain("<h1>Sign-in required</h1>");
    await context.close();
  });

  it("with the token as password, draws one chart per step, with no axe-core violations in either colour scheme", async () => {
    const context = await browser.newContext({
      httpCredentials: { username: "operator", password: token },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    const response = await page.goto(`${server.url}/admin/funnel?flow=onboarding&since=1d`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe("Funnel: onboarding · Waymark admin");
    const charts = page.getByRole("img");
    expect(await charts.count()).toBe(onboarding.steps.length);
    expect(await charts.first().getAttribute("aria-labelledby")).toBeTruthy();
    expect(await page.getByRole("table").count()).toBe(1);
    expect(await page.getByRole("row").count()).toBe(onboarding.steps.length + 1);
    // Nothing refused by the Content Security Policy: the inline style sheet is allowed.
    expect(errors).toEqual([]);
    expect(await page.locator("main").evaluate((main) => getComputedStyle(main).maxWidth)).toBe(
      "960px",
    );
    expect(await accessibilityViolations(page)).toEqual([]);

    // The pickers are links, reached with the keyboard, their focus visible.
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { text: element.textContent, outline: getComputedStyle(element).outlineStyle };
    });
    expect(focused).toEqual({ text: "onboarding", outline: "solid" });
    await page.getByRole("link", { name: "Last 30 days" }).click();
    expect(page.url()).toContain("since=30d");
    expect(
      await page.getByRole("link", { name: "Last 30 days" }).getAttribute("aria-current"),
    ).toBe("page");

    await page.emulateMedia({ colorScheme: "dark" });
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
