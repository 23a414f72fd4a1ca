import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./support/browser.ts";
import { companyDetails } from "./support/onboarding-data.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

// What the wizard's screens say about the flow: the progress and step count while a
// step's applying is undecided, the review before the final step, the "Continue later"
// box, the start screen's description and the flow list.
describe("web wizard screens tell where the flow stands", () => {
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

  /** The review's sections as "Step › Label: value" lines. */
  const reviewed = () =>
    page
      .locator(".review .summary")
      .evaluateAll((sections) =>
        sections.flatMap((section) =>
          [...section.querySelectorAll(".row")].map(
            (row) =>
              `${section.querySelector("h4")?.textContent} › ${row.querySelector("dt")?.textContent}: ${row.querySelector("dd")?.textContent}`,
          ),
        ),
      );
  const position = () => page.locator(".position").textContent();

  it("an undecided step is To be decided, never Skipped, and the step count says so", async () => {
    server = await startServer({ store: session.store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    expect(await wizard.progress()).toEqual([
      "Personal information: Current (on screen)",
      "Contract details: To do",
      "Company details: To be decided",
      "Review and accept: To do",
    ]);
    expect(await page.locator(".progress li.undecided .marker").textContent()).toBe("?");
    expect(await position()).toBe("Step 1 of 3, 1 more to be decided");
    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await wizard.progress()).toContain("Company details: To be decided");
    expect(await position()).toBe("Step 2 of 3, 1 more to be decided");

    await wizard.fillContract();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    expect(await wizard.progress()).toContain("Company details: Skipped");
    expect(await position()).toBe("Step 3 of 3");

    // Contractor after all: the company step applies, and the count grows by one.
    await wizard.button("Change Contract details").click();
    await wizard.expectStep("Contract details");
    await page.getByRole("radio", { name: "Contractor" }).check();
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    expect(await position()).toBe("Step 3 of 4");
  });

  it("the final step reviews every answer, and Change opens that step, then the flow goes on", async () => {
    server = await startServer({ store: session.store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    // Not the final step yet: no review.
    expect(await page.locator(".review").count()).toBe(0);
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    expect(await page.locator(".review").count()).toBe(0);
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");

    await page.getByRole("heading", { level: 3, name: "Check your answers" }).waitFor();
    expect(await reviewed()).toEqual([
      "Personal information › First name: Ada",
      "Personal information › Last name: Lovelace",
      "Personal information › Email: ada@example.com",
      "Personal information › Date of birth: December 10, 1990",
      "Contract details › Contract type: Contractor",
      "Contract details › Start date: January 4, 2027",
      "Contract details › Role: Engineer",
      `Company details › Company name: ${companyDetails.companyName}`,
      `Company details › VAT ID: ${companyDetails.vatId}`,
    ]);
    expect(
      await page
        .locator(".review")
        .getByRole("button")
        .evaluateAll((buttons) => buttons.map((button) => button.getAttribute("aria-label"))),
    ).toEqual(["Change Personal information", "Change Contract details", "Change Company details"]);
    expect(await accessibilityViolations(page)).toEqual([]);

    await wizard.button("Change Personal information").click();
    await wizard.expectStep("Personal information");
    expect(await wizard.field("First name").inputValue()).toBe("Ada");
    await wizard.field("First name").fill("Augusta");
    await wizard.button("Continue").click();
    // The engine plans the flow: every other step is done, so the final one is next.
    await wizard.expectStep("Review and accept");
    expect(await reviewed()).toContain("Personal information › First name: Augusta");

    // Becoming an employee drops the company step from the review.
    await wizard.button("Change Contract details").click();
    await wizard.expectStep("Contract details");
    await page.getByRole("radio", { name: "Employee" }).check();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    const lines = await reviewed();
    expect(lines).toContain("Contract details › Contract type: Employee");
    expect(lines.filter((line) => line.startsWith("Company details"))).toEqual([]);
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    expect(await wizard.summary()).toContain("Personal information › First name: Augusta");
  });

  it("Continue later says answers are saved only once a step is done, and names the time zone", async () => {
    server = await startServer({ store: session.store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    const later = page.locator(".later p").first();
    const time = page.locator(".later time");
    const expiresAt = (await time.getAttribute("datetime")) ?? "";
    expect(Number.isNaN(Date.parse(expiresAt))).toBe(false);
    // Guards a test tied to the browser's locale: the moment as this page writes it, in
    // the browser's variant of the page's language, with its time zone.
    const written = await page.evaluate((moment) => {
      const lang = document.documentElement.lang;
      const locale = navigator.languages.find((tag) => tag.split("-")[0] === lang) ?? lang;
      return new Intl.DateTimeFormat(locale, {
        year: "numeric",
        month: "long",
        day: "numeric",
        hour: "numeric",
        minute: "2-digit",
        timeZoneName: "short",
      }).format(new Date(moment));
    }, expiresAt);
    expect(await later.textContent()).toBe(
      `Bookmark this page or keep this link to come back to this flow until ${written}.`,
    );
    expect(await time.textContent()).toBe(written);
    expect(await later.textContent()).not.toContain("saved");

    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await later.textContent()).toMatch(
      /^Your answers so far are saved\. Bookmark this page or keep this link to come back until .+\.$/,
    );
  });

  it("the start screen shows the flow's description; the flow list is styled, in the browser's language", async () => {
    server = await startServer({ store: session.store, flows: "test/fixtures/described-flows.ts" });
    await page.goto(server.url);
    const heading = page.getByRole("heading", { level: 1, name: "Choose what to fill in" });
    await heading.waitFor();
    expect(await page.title()).toBe("Flows");
    expect(
      await page.locator(".flows li").evaluateAll((items) =>
        items.map((item) => ({
          link: item.querySelector("a")?.getAttribute("href"),
          text: item.textContent,
          bordered: getComputedStyle(item).borderTopStyle,
        })),
      ),
    ).toEqual([
      {
        link: "/wizard/newsletter",
        text: "NewsletterGet one email a month about what is new.",
        bordered: "solid",
      },
      { link: "/wizard/feedback", text: "Feedback", bordered: "solid" },
    ]);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Newsletter" }).click();
    await page.getByText("Get one email a month about what is new.").waitFor();
    expect(await page.locator(".description").count()).toBe(1);

    const arabic = await session.browser.newContext({ locale: "ar" });
    try {
      const other = await arabic.newPage();
      await other.goto(server.url);
      await other.getByRole("heading", { level: 1, name: "اختر ما تريد تعبئته" }).waitFor();
      expect(
        await other.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
      ).toEqual(["ar", "rtl"]);
      expect(await accessibilityViolations(other)).toEqual([]);
    } finally {
      await arabic.close();
    }
  });
  it("checkboxes: saved false comes back, an untouched optional group stays out, numbers in the page's locale", async () => {
    server = await startServer({ store: session.store, flows: "test/fixtures/answers-flow.ts" });
    await page.goto(server.url);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("heading", { level: 2, name: "Preferences" }).waitFor();
    const box = (name: string) => page.getByRole("checkbox", { name, exact: false });
    // Guards the required mark on a required boolean that accepts false (WCAG 3.3.2).
    expect(await box("Printed copy").getAttribute("required")).toBeNull();
    expect(
      await page
        .locator(".field", { has: box("Printed copy") })
        .locator(".required")
        .count(),
    ).toBe(0);
    expect(await box("I accept the terms").getAttribute("required")).not.toBeNull();
    expect(await box("Gift wrap").getAttribute("required")).toBeNull();
    await box("Send updates").check();
    await box("Send updates").uncheck();
    await box("I accept the terms").check();
    await page.locator(`[name="copies"]`).fill("1234");
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    // Guards an untouched optional group being sent for its default false, then refused.
    await page.getByRole("heading", { level: 2, name: "Confirm" }).waitFor();
    const flowId = decodeURIComponent(new URL(page.url()).hash.slice(1));
    const flow = (await (await fetch(`${server.url}/answers/${flowId}`)).json()) as {
      data: Record<string, unknown>;
    };
    // Guards a touched optional checkbox reading as "not given" instead of false.
    expect(flow.data.preferences).toEqual({
      updates: false,
      printed: false,
      copies: 1234,
      terms: true,
    });
    const lines = await reviewed();
    expect(lines).toContain("Preferences › Send updates: No");
    // Guards numbers shown with String(): the page's own Intl.NumberFormat writes them.
    const copies = await page.evaluate(() =>
      new Intl.NumberFormat(document.documentElement.lang).format(1234),
    );
    expect(lines).toContain(`Preferences › Copies: ${copies}`);
    await page.getByRole("button", { name: "Back", exact: true }).click();
    await page.getByRole("heading", { level: 2, name: "Preferences" }).waitFor();
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByRole("heading", { level: 2, name: "Confirm" }).waitFor();
    // Guards a saved false coming back as "not given".
    const again = (await (await fetch(`${server.url}/answers/${flowId}`)).json()) as {
      data: Record<string, unknown>;
    };
    expect(again.data.preferences).toMatchObject({ updates: false });
  });
});
