import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./support/browser.ts";
import { expireFlow } from "./support/expire-flow.ts";
import {
  companyDetails,
  contractorContract,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";
import { startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

const expiredHeading = "Your session has expired";

// The web wizard in Debian's Chromium when a flow expired but is still kept (recovery),
// and when it is past that.
describe("web wizard: expired flows", () => {
  const session = useWizardSession();
  let page: Page;
  let store: string;

  beforeEach(() => {
    ({ page, store } = session);
  });

  it("an expired link that is still kept continues where it left off, with every answer, and finishes", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    const flowId = wizard.flowId();
    expireFlow(store, flowId, true);
    const expired = await fetch(`${server.url}/onboarding/${flowId}`);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({
      recover: { href: `/onboarding/${flowId}/recover`, method: "POST" },
    });

    await page.reload();
    await page.getByRole("heading", { level: 1, name: expiredHeading }).waitFor();
    expect(await page.getByText("Your answers are kept until", { exact: false }).count()).toBe(1);
    expect(await wizard.button("Start again").count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await wizard.button("Continue where you left off").click();
    await wizard.expectStep("Company details");
    expect(wizard.flowId()).toBe(flowId);
    expect(await page.locator("#status").textContent()).toBe("Your answers are back");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-title");
    expect(await wizard.progress()).toEqual([
      "Personal information: Done",
      "Contract details: Done",
      "Company details: Current (on screen)",
      "Review and accept: To do",
    ]);
    await wizard.button("Back").click();
    await wizard.expectStep("Contract details");
    expect(await page.getByRole("radio", { name: "Contractor" }).isChecked()).toBe(true);
    expect(await wizard.field("Role").inputValue()).toBe(contractorContract.role);

    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    const summary = await wizard.summary();
    expect(summary).toContain("Personal information › Email: ada@example.com");
    expect(summary).toContain("Contract details › Contract type: Contractor");
    const flow = await (await fetch(`${server.url}/onboarding/${flowId}`)).json();
    expect(flow.status).toBe("completed");
    expect(flow.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": contractorContract,
      "company-details": companyDetails,
      review,
    });
    await server.stop();
  });

  it("a link past its keeping time gets the page that starts again, with nothing to continue", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    const flowId = wizard.flowId();
    expireFlow(store, flowId, false);
    const expired = await fetch(`${server.url}/onboarding/${flowId}`);
    expect(expired.status).toBe(410);
    expect(await expired.json()).not.toHaveProperty("recover");

    await page.reload();
    await page.getByRole("heading", { name: "This link has expired or is not valid" }).waitFor();
    expect(await wizard.button("Continue where you left off").count()).toBe(0);
    await wizard.button("Start again").click();
    await wizard.expectStep("Personal information");
    expect(wizard.flowId()).not.toBe(flowId);
    await server.stop();
  });

  it("a step sent while the flow expired opens again after recovery with what was typed", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();
    const flowId = wizard.flowId();
    // The tab stays open past the expiry; the answers typed then are refused with 410.
    expireFlow(store, flowId, true);
    await wizard.fillContract({ contractType: "contractor", role: "Architect" });
    await wizard.button("Continue").click();
    await page.getByRole("heading", { level: 1, name: expiredHeading }).waitFor();

    await wizard.button("Continue where you left off").click();
    await wizard.expectStep("Contract details");
    expect(await page.getByRole("radio", { name: "Contractor" }).isChecked()).toBe(true);
    expect(await wizard.field("Start date").inputValue()).toBe(contractorContract.startDate);
    expect(await wizard.field("Role").inputValue()).toBe("Architect");
    const notice = await page.locator("#step-title").getAttribute("aria-describedby");
    expect(await page.locator(`#${notice}`).textContent()).toContain("not saved yet");
    const recovered = await (await fetch(`${server.url}/onboarding/${flowId}`)).json();
    expect(recovered.data).toEqual({ "personal-info": personalInfo });

    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    const flow = await (await fetch(`${server.url}/onboarding/${flowId}`)).json();
    expect(flow.data["contract-details"]).toEqual({ ...contractorContract, role: "Architect" });
    await server.stop();
  });
});
