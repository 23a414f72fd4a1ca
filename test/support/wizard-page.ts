import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { launchChromium, watchForErrors } from "./browser.ts";
import { companyDetails, employeeContract, personalInfo } from "./onboarding-data.ts";
import { killAll } from "./processes.ts";

/** What each wizard test gets: its own browser context, page and SQLite file. */
export interface WizardSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** A `sqlite:` store URL in the test's own temporary folder. */
  store: string;
}

/**
 * Registers the hooks of a wizard test file: one Chromium for the file; for each test a
 * fresh context (en-US, 8 s action timeout), a page whose script errors fail the test,
 * and a temporary folder; afterwards every server process is killed and the folder
 * removed. The returned object holds the current test's values.
 */
export function useWizardSession(): WizardSession {
  const session = {} as WizardSession;
  let dir = "";
  let pageErrors: string[] = [];
  beforeAll(async () => {
    session.browser = await launchChromium();
  });
  afterAll(async () => {
    // Unset when Chromium failed to launch: that failure is the one to report.
    await (session.browser as WizardSession["browser"] | undefined)?.close();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "waymark-wizard-"));
    session.store = `sqlite:${join(dir, "flows.db")}`;
    session.context = await session.browser.newContext({ locale: "en-US" });
    session.context.setDefaultTimeout(8_000);
    session.page = await session.context.newPage();
    pageErrors = watchForErrors(session.page);
  });
  afterEach(async () => {
    await session.context.close();
    killAll();
    rmSync(dir, { recursive: true, force: true });
    expect(pageErrors).toEqual([]);
  });
  return session;
}

/** Drives the onboarding wizard the way a person does: by labels, roles and buttons. */
export function onboardingWizard(page: Page) {
  // By accessible name: a label's text also holds the "*" that only sighted users need.
  const field = (name: string) => page.getByRole("textbox", { name, exact: true });
  const button = (name: string) => page.getByRole("button", { name, exact: true });
  return {
    field,
    button,
    /** Waits until the step titled `title` is on screen. */
    async expectStep(title: string) {
      await page.getByRole("heading", { level: 2, name: title, exact: true }).waitFor();
    },
    async start() {
      await button("Start").click();
      await this.expectStep("Personal information");
    },
    /** Starts a flow and saves valid personal information: the contract step is on screen. */
    async throughPersonalInfo() {
      await this.start();
      await this.fillPersonalInfo();
      await button("Continue").click();
      await this.expectStep("Contract details");
    },
    async fillPersonalInfo(data: Partial<typeof personalInfo> = {}) {
      const values = { ...personalInfo, ...data };
      await field("First name").fill(values.firstName);
      await field("Last name").fill(values.lastName);
      await field("Email").fill(values.email);
      await field("Date of birth").fill(values.dateOfBirth);
    },
    async fillContract(data: Partial<typeof employeeContract> = {}) {
      const values = { ...employeeContract, ...data };
      const choice = values.contractType === "employee" ? "Employee" : "Contractor";
      await page.getByRole("radio", { name: choice, exact: true }).check();
      await field("Start date").fill(values.startDate);
      await field("Role").fill(values.role);
    },
    async fillCompany(data: Partial<typeof companyDetails> = {}) {
      const values = { ...companyDetails, ...data };
      await field("Company name").fill(values.companyName);
      await field("VAT ID").fill(values.vatId);
    },
    async acceptTerms() {
      await page.getByRole("checkbox", { name: "I accept the terms", exact: true }).check();
    },
    /** The flow id the page's address carries. */
    flowId(): string {
      return decodeURIComponent(new URL(page.url()).hash.slice(1));
    },
    /** Each step's title and the status the progress indicator shows for it. */
    async progress(): Promise<string[]> {
      return page
        .locator(".progress li")
        .evaluateAll((items) =>
          items.map(
            (item) =>
              `${item.querySelector(".name")?.textContent}: ${item.querySelector(".state")?.textContent}${item.getAttribute("aria-current") ? " (on screen)" : ""}`,
          ),
        );
    },
    /** The completion summary as "Step › Label: value" lines. */
    async summary(): Promise<string[]> {
      await page.getByRole("heading", { level: 2, name: "All done" }).waitFor();
      return page
        .locator(".summary")
        .evaluateAll((sections) =>
          sections.flatMap((section) =>
            [...section.querySelectorAll(".row")].map(
              (row) =>
                `${section.querySelector("h3")?.textContent} › ${row.querySelector("dt")?.textContent}: ${row.querySelector("dd")?.textContent}`,
            ),
          ),
        );
    },
  };
}
