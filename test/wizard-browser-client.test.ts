import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./support/browser.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

// The web wizard in Debian's Chromium, on what it takes from the typed client: the flow's
// description before it starts, Idempotency-Key on start, and secret flows.
describe("web wizard on the typed client", () => {
  const session = useWizardSession();
  let page: Page;
  let server: ServerProcess | undefined;

  beforeEach(() => {
    ({ page } = session);
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  /** The steps ahead as "Title: state" lines, once the description has filled them in. */
  async function stepsAhead(): Promise<string[]> {
    await page.locator(".ahead li").first().waitFor();
    return page
      .locator(".ahead li")
      .evaluateAll((items) =>
        items.map(
          (item) =>
            `${item.querySelector(".name")?.textContent}: ${item.querySelector(".state")?.textContent}`,
        ),
      );
  }

  it("lists the steps ahead from GET /{flow} before anything starts, the conditional one marked", async () => {
    server = await startServer({ store: session.store });
    const requests: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      const key = request.headers()["idempotency-key"];
      requests.push(`${request.method()} ${path}${key ? " (keyed)" : ""}`);
    });
    await page.goto(server.url);
    expect(await stepsAhead()).toEqual([
      "Personal information: To do",
      "Contract details: To do",
      "Company details: Only if it applies",
      "Review and accept: To do",
    ]);
    expect(await page.getByRole("heading", { level: 2, name: "The steps" }).isVisible()).toBe(true);
    expect(await page.getByText("Answers are kept for 7 days after the last change.").count()).toBe(
      1,
    );
    expect(requests).toContain("GET /onboarding");
    expect(requests.filter((request) => request.startsWith("POST"))).toEqual([]);
    expect(await accessibilityViolations(page)).toEqual([]);

    // Starting sends an Idempotency-Key, so a start whose answer is lost is retried safely.
    const wizard = onboardingWizard(page);
    await wizard.start();
    expect(requests.filter((request) => request.startsWith("POST"))).toEqual([
      "POST /onboarding (keyed)",
    ]);
    // The screen that offers the unfinished flow lists the steps too.
    await page.goto(`${server.url}/`);
    await wizard.button("Continue where you left off").waitFor();
    expect(await stepsAhead()).toHaveLength(4);
  });

  it("without the description, the start screen still starts", async () => {
    server = await startServer({ store: session.store });
    let described = 0;
    await page.route("**/onboarding", async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      described++;
      return route.fulfill({ status: 500, contentType: "text/plain", body: "down" });
    });
    await page.goto(server.url);
    const wizard = onboardingWizard(page);
    await expect.poll(() => described).toBe(1);
    await page.waitForTimeout(200);
    expect(await page.locator(".ahead-slot").innerHTML()).toBe("");
    await wizard.start();
  });

  it("a secret flow: the link keeps the secret in its fragment, and a reload opens the flow", async () => {
    server = await startServer({ store: session.store, flows: "test/fixtures/access-flows.ts" });
    await page.goto(`${server.url}/wizard/vault`);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("heading", { level: 2, name: "Nickname" }).waitFor();
    await page.getByRole("textbox", { name: "Nickname" }).fill("ada");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 2, name: "Consent" }).waitFor();

    const fragment = decodeURIComponent(new URL(page.url()).hash.slice(1));
    const [flowId, secret] = fragment.split("~");
    expect(flowId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(await page.getByLabel("Link to continue later").inputValue()).toBe(
      `${server.url}/wizard/vault#${fragment}`,
    );
    // The id alone, as in any request path, opens nothing.
    expect((await fetch(`${server.url}/vault/${flowId}`)).status).toBe(404);
    const flow = await fetch(`${server.url}/vault/${flowId}`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(((await flow.json()) as { data: unknown }).data).toEqual({
      nickname: { nickname: "ada" },
    });

    await page.reload();
    await page.getByRole("heading", { level: 2, name: "Consent" }).waitFor();
    await page.getByRole("checkbox", { name: "Consent" }).check();
    await page.getByRole("button", { name: "Finish" }).click();
    await page.getByRole("heading", { level: 2, name: "All done" }).waitFor();
    expect(await page.locator(".summary dd").allTextContents()).toEqual(["ada", "Yes"]);
  });
});
