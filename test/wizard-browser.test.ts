import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations, phone, scrollsSideways } from "./support/browser.ts";
import {
  companyDetails,
  contractorData,
  employeeContract,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

// The web wizard in Debian's Chromium against a real `waymark serve` on SQLite.
describe("web wizard", () => {
  const session = useWizardSession();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: ServerProcess;

  beforeEach(async () => {
    ({ browser, context, page } = session);
    server = await startServer({ store: session.store });
  });
  afterEach(async () => {
    await server.stop();
  });

  async function storedFlow(flowId: string) {
    const response = await fetch(`${server.url}/onboarding/${flowId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      status: string;
      version: number;
      data: Record<string, unknown>;
    };
  }

  it("an employee completes the onboarding from /, and the company step, undecided at first, is skipped", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    expect(await wizard.progress()).toEqual([
      "Personal information: Current (on screen)",
      "Contract details: To do",
      // No contract type yet, so whether it applies is not known.
      "Company details: To be decided",
      "Review and accept: To do",
    ]);
    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    await wizard.fillContract();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    expect(await wizard.progress()).toEqual([
      "Personal information: Done",
      "Contract details: Done",
      "Company details: Skipped",
      "Review and accept: Current (on screen)",
    ]);
    expect(await page.locator(".position").textContent()).toBe("Step 3 of 3");
    await wizard.acceptTerms();
    await wizard.button("Finish").click();

    expect(await wizard.summary()).toEqual([
      "Personal information › First name: Ada",
      "Personal information › Last name: Lovelace",
      "Personal information › Email: ada@example.com",
      "Personal information › Date of birth: December 10, 1990",
      "Contract details › Contract type: Employee",
      "Contract details › Start date: January 4, 2027",
      "Contract details › Role: Engineer",
      "Review and accept › I accept the terms: Yes",
    ]);
    const flow = await storedFlow(wizard.flowId());
    expect(flow.status).toBe("completed");
    expect(flow.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": employeeContract,
      review,
    });
  });

  it("a contractor completes the onboarding, company step included", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(`${server.url}/wizard/onboarding`);
    await wizard.throughPersonalInfo();
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    expect(await page.locator(".position").textContent()).toBe("Step 3 of 4");
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await wizard.acceptTerms();
    await wizard.button("Finish").click();

    expect(await wizard.summary()).toContain("Company details › VAT ID: GB123456789");
    const flow = await storedFlow(wizard.flowId());
    expect(flow.status).toBe("completed");
    expect(flow.data).toEqual(contractorData);
  });

  it("a reload, and the continue-later link in a new browser session, resume at the current step", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    const flowId = wizard.flowId();
    expect(flowId).toMatch(/^[0-9a-f-]{36}$/);

    await page.reload();
    await wizard.expectStep("Contract details");
    expect(wizard.flowId()).toBe(flowId);

    const link = await page.getByLabel("Link to continue later").inputValue();
    expect(link).toBe(`${server.url}/#${flowId}`);
    const later = await browser.newContext();
    try {
      const other = await later.newPage();
      await other.goto(link);
      const resumed = onboardingWizard(other);
      await resumed.expectStep("Contract details");
      await resumed.fillContract();
      await resumed.button("Continue").click();
      await resumed.expectStep("Review and accept");
    } finally {
      await later.close();
    }
    // The first tab learns of the other session's write when it next reads the flow.
    await page.reload();
    await wizard.expectStep("Review and accept");
  });

  it("the bare address, in a browser closed and opened again, offers the unfinished flow", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    const flowId = wizard.flowId();

    // Closing the browser keeps its profile's storage; the page kept only the flow id there.
    const saved = await context.storageState();
    const reopened = await browser.newContext({ storageState: saved, locale: "en-US" });
    try {
      const again = await reopened.newPage();
      const resumed = onboardingWizard(again);
      await again.goto(server.url);
      await resumed.button("Continue where you left off").click();
      await resumed.expectStep("Contract details");
      expect(resumed.flowId()).toBe(flowId);
      await resumed.fillContract();
      await resumed.button("Continue").click();
      await resumed.expectStep("Review and accept");
      await resumed.acceptTerms();
      await resumed.button("Finish").click();
      await resumed.summary();
      // A completed flow is forgotten: the bare address starts afresh.
      await again.goto(server.url);
      await resumed.button("Start").waitFor();
      expect(await resumed.button("Continue where you left off").count()).toBe(0);
    } finally {
      await reopened.close();
    }

    // Another browser has nothing to offer.
    const stranger = await browser.newContext();
    try {
      const other = await stranger.newPage();
      await other.goto(server.url);
      await onboardingWizard(other).button("Start").waitFor();
      expect(await other.getByText("Continue where you left off").count()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it("Back shows the saved answers, and changing them re-plans the flow", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");

    await wizard.button("Back").click();
    await wizard.expectStep("Contract details");
    expect(await page.getByRole("radio", { name: "Contractor" }).isChecked()).toBe(true);
    expect(await wizard.field("Start date").inputValue()).toBe(employeeContract.startDate);
    expect(await wizard.field("Role").inputValue()).toBe(employeeContract.role);
    expect(await wizard.progress()).toContain("Contract details: Editing (on screen)");

    await wizard.button("Back").click();
    await wizard.expectStep("Personal information");
    expect(await wizard.field("First name").inputValue()).toBe(personalInfo.firstName);
    expect(await wizard.field("Date of birth").inputValue()).toBe(personalInfo.dateOfBirth);
    expect(await wizard.button("Back").count()).toBe(0);

    // Unchanged answers save as a no-op and lead back to where the flow stands.
    const before = await storedFlow(wizard.flowId());
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    expect((await storedFlow(wizard.flowId())).version).toBe(before.version);
    await wizard.button("Back").click();
    await wizard.expectStep("Contract details");
    await page.getByRole("radio", { name: "Employee" }).check();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    expect(await wizard.progress()).toEqual([
      "Personal information: Done",
      "Contract details: Done",
      "Company details: Skipped",
      "Review and accept: Current (on screen)",
    ]);
    const flow = await storedFlow(wizard.flowId());
    expect(flow.data["contract-details"]).toEqual(employeeContract);
  });

  it("shows the server's errors beside their fields, keeps the values, and clears them once fixed", async () => {
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    await wizard.fillPersonalInfo({ email: "ada.example.com", dateOfBirth: "2020-01-01" });
    await wizard.button("Continue").click();

    const summary = page.getByRole("alert");
    await summary.getByText("There is a problem").waitFor();
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("error-summary");
    expect(await summary.getByRole("listitem").allTextContents()).toEqual([
      "Enter an email address like name@example.com",
    ]);
    const email = wizard.field("Email");
    expect(await email.getAttribute("aria-invalid")).toBe("true");
    const described = (await email.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${described}"]`).textContent()).toBe(
      "Error: Enter an email address like name@example.com",
    );
    expect(await wizard.field("First name").getAttribute("aria-invalid")).toBeNull();
    expect(await wizard.field("First name").inputValue()).toBe("Ada");
    expect(await email.inputValue()).toBe("ada.example.com");
    // Nothing was saved.
    expect((await storedFlow(wizard.flowId())).data).toEqual({});

    // The age rule runs on the server once the shape is right; its error replaces the first.
    await email.fill(personalInfo.email);
    await wizard.button("Continue").click();
    await summary.getByText("You must be at least 18 years old").waitFor();
    expect(await summary.getByRole("listitem").allTextContents()).toEqual([
      "You must be at least 18 years old",
    ]);
    expect(await email.getAttribute("aria-invalid")).toBeNull();
    expect(await wizard.field("Date of birth").getAttribute("aria-invalid")).toBe("true");
    await summary.getByRole("button", { name: "You must be at least 18 years old" }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("field-dateOfBirth");

    await wizard.field("Date of birth").fill(personalInfo.dateOfBirth);
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await page.locator("[aria-invalid]").count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-title");
    expect((await storedFlow(wizard.flowId())).data).toEqual({ "personal-info": personalInfo });
  });

  it("an unknown or malformed link gets a page that starts again", async () => {
    const wizard = onboardingWizard(page);
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-flow"]) {
      await page.goto(`${server.url}/#${id}`);
      await page.getByRole("heading", { name: "This link has expired or is not valid" }).waitFor();
    }
    await wizard.button("Start again").click();
    await wizard.expectStep("Personal information");
    expect(wizard.flowId()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("fits a 390 px phone screen without sideways scrolling, on every screen", async () => {
    await page.setViewportSize(phone);
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.start();
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.fillPersonalInfo({ email: "not an email" });
    await wizard.button("Continue").click();
    await page.getByRole("alert").waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.field("Email").fill(personalInfo.email);
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    expect(await scrollsSideways(page)).toBe(false);
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    expect(await wizard.summary()).toHaveLength(10);
    expect(await scrollsSideways(page)).toBe(false);
    await page.goto(`${server.url}/#not-a-flow`);
    await page.getByRole("button", { name: "Start again" }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
  });

  it("can be completed with the keyboard alone, with focus always visible", async () => {
    const wizard = onboardingWizard(page);
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        return {
          name: element.getAttribute("name") ?? element.id ?? element.textContent,
          text: element.textContent,
          outline: getComputedStyle(element).outlineStyle,
        };
      });
    /** Presses Tab until the named field has focus: a date input's picker takes a stop too. */
    const tabTo = async (name: string) => {
      for (let presses = 0; presses < 4; presses++) {
        await page.keyboard.press("Tab");
        if ((await focused()).name === name) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await page.goto(server.url);
    // The language switcher comes first, one button per language.
    for (const language of ["English", "Deutsch", "العربية"]) {
      await page.keyboard.press("Tab");
      expect(await focused()).toMatchObject({ text: language, outline: "solid" });
    }
    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ text: "Start", outline: "solid" });
    await page.keyboard.press("Enter");
    await wizard.expectStep("Personal information");

    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ name: "firstName", outline: "solid" });
    await page.keyboard.type("Ada");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Lovelace");
    await page.keyboard.press("Tab");
    await page.keyboard.type("ada@example.com");
    await page.keyboard.press("Tab");
    expect((await focused()).name).toBe("dateOfBirth");
    await page.keyboard.type("12101990");
    await page.keyboard.press("Enter");
    await wizard.expectStep("Contract details");

    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ name: "contractType", outline: "solid" });
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    await page.keyboard.type("01042027");
    await tabTo("role");
    await page.keyboard.type("Engineer");
    await page.keyboard.press("Enter");
    await wizard.expectStep("Company details");

    await page.keyboard.press("Tab");
    await page.keyboard.type(companyDetails.companyName);
    await page.keyboard.press("Tab");
    await page.keyboard.type(companyDetails.vatId);
    await page.keyboard.press("Enter");
    await wizard.expectStep("Review and accept");

    // The review's Change buttons, one per done step, come before the form.
    for (let section = 0; section < 3; section++) {
      await page.keyboard.press("Tab");
      expect(await focused()).toMatchObject({ text: "Change", outline: "solid" });
    }
    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ name: "acceptTerms", outline: "solid" });
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ text: "Back", outline: "solid" });
    await page.keyboard.press("Tab");
    expect(await focused()).toMatchObject({ text: "Finish", outline: "solid" });
    await page.keyboard.press("Enter");
    expect(await wizard.summary()).toContain("Contract details › Contract type: Contractor");
  });

  it("has no accessibility violations axe-core can find, on any screen", async () => {
    const wizard = onboardingWizard(page);
    const check = async () => expect(await accessibilityViolations(page)).toEqual([]);
    await page.goto(server.url);
    await page.getByRole("button", { name: "Start" }).waitFor();
    await check();
    await wizard.start();
    await check();
    await wizard.button("Continue").click();
    await page.getByRole("alert").waitFor();
    await check();
    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    await check();
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    await check();
    await wizard.button("Back").click();
    await wizard.expectStep("Contract details");
    await check();
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await check();
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    await wizard.summary();
    await check();
    await page.goto(`${server.url}/#not-a-flow`);
    await page.getByRole("button", { name: "Start again" }).waitFor();
    await check();

    // The dark colour scheme keeps its contrast too.
    await page.emulateMedia({ colorScheme: "dark" });
    await wizard.button("Start again").click();
    await wizard.expectStep("Personal information");
    await wizard.button("Continue").click();
    await page.getByRole("alert").waitFor();
    await check();
  });
});
