import type { Page } from "playwright-core";
import { companyDetails, employeeContract, personalInfo } from "./onboarding-data.ts";

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
