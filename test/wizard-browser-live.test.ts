import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

/** A mark in the page's own memory: gone if the page reloads. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { waymarkMark: boolean }).waymarkMark = true;
  });
}
async function marked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { waymarkMark?: boolean }).waymarkMark === true);
}

// The web wizard in Debian's Chromium, two pages on one flow: live updates move the other.
describe("web wizard with live updates", () => {
  const session = useWizardSession();
  let context: BrowserContext;
  let page: Page;
  let store: string;

  beforeEach(() => {
    ({ context, page, store } = session);
  });

  it("a page follows a submission made in another without a reload, and says so", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    await mark(page);

    const otherPage = await context.newPage();
    await otherPage.goto(page.url());
    const other = onboardingWizard(otherPage);
    await other.expectStep("Contract details");
    await other.fillContract({ contractType: "contractor" });
    await other.button("Continue").click();
    await other.expectStep("Company details");

    await wizard.expectStep("Company details");
    expect(await marked(page)).toBe(true);
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Updated in another window.");
    // Focus moved to the new screen's heading, which the notice describes.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-title");
    const notice = await page.locator("#step-title").getAttribute("aria-describedby");
    expect(await page.locator(`#${notice}`).textContent()).toContain("Updated in another window");

    // Finished over there: the summary here too.
    await other.fillCompany();
    await other.button("Continue").click();
    await other.expectStep("Review and accept");
    await other.acceptTerms();
    await other.button("Finish").click();
    await other.summary();
    await wizard.summary();
    expect(await marked(page)).toBe(true);
    await server.stop();
  });

  it("keeps what was typed, unsent, on a screen that still applies, and saves it over the newer version", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    await mark(page);
    await wizard.field("Company name").fill("Difference Engines Ltd");

    // The other page goes back and changes an earlier answer: Company details is still next.
    const otherPage = await context.newPage();
    await otherPage.goto(page.url());
    const other = onboardingWizard(otherPage);
    await other.expectStep("Company details");
    await other.button("Back").click();
    await other.expectStep("Contract details");
    await other.field("Role").fill("Architect");
    await other.button("Continue").click();
    await other.expectStep("Company details");

    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Updated in another window.");
    await wizard.expectStep("Company details");
    expect(await wizard.field("Company name").inputValue()).toBe("Difference Engines Ltd");
    expect(await marked(page)).toBe(true);

    // Saved against the flow as it now stands: no 412, both changes kept.
    await wizard.field("VAT ID").fill("GB123456789");
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    const flow = await (await fetch(`${server.url}/onboarding/${wizard.flowId()}`)).json();
    expect(flow.data["contract-details"].role).toBe("Architect");
    expect(flow.data["company-details"].companyName).toBe("Difference Engines Ltd");
    await server.stop();
  });

  it("follows its own write whose answer was lost, without saying another window made it", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    await wizard.fillPersonalInfo();
    // The write reaches the server, but the connection drops before the answer arrives.
    await page.route(
      /\/step\/1$/,
      async (route) => {
        await route.fetch();
        await route.abort("connectionreset");
      },
      { times: 1 },
    );
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await page.locator("#notice").count()).toBe(0);
    expect(await page.locator("#status").textContent()).not.toContain("another window");
    await server.stop();
  });
});
