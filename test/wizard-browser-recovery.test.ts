import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./support/browser.ts";
import { expireFlow } from "./support/expire-flow.ts";
import { contractorContract, contractorData, personalInfo } from "./support/onboarding-data.ts";
import { startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

const expiredHeading = "Your session has expired";

// The web wizard in Debian's Chromium when a flow expired but is still kept (recovery),
// when it is past that, and when a new definition version sends a step back.
describe("web wizard: expired and migrated flows", () => {
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
    expect(flow.data).toEqual(contractorData);
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

  it("a step a new definition version sends back opens filled, with the errors beside their fields", async () => {
    const v1 = await startServer({ store, flows: "test/fixtures/profile-v1.ts" });
    const port = Number(new URL(v1.url).port);
    const wizard = onboardingWizard(page);
    const displayName = wizard.field("Display name");
    await page.goto(v1.url);
    await wizard.button("Start").click();
    await wizard.expectStep("Profile");
    await displayName.fill("Augusta Ada King");
    await wizard.button("Continue").click();
    await wizard.expectStep("Plan");
    const flowId = wizard.flowId();

    // A deploy moves to version 2, which allows 10 characters, while the tab stays open.
    await v1.stop();
    const v2 = await startServer({ store, flows: "test/fixtures/profile-v2.ts", port });
    await page.getByRole("radio", { name: "Team" }).check();
    await wizard.button("Finish").click();
    const expectSentBack = async () => {
      await wizard.expectStep("Profile");
      const alert = page.getByRole("alert");
      await alert.getByText("There is a problem").waitFor();
      expect(await alert.getByRole("listitem").allTextContents()).toEqual([
        "Use 10 characters or fewer",
      ]);
      expect(await page.evaluate(() => document.activeElement?.className)).toBe("error-summary");
      expect(await page.locator("#notice").textContent()).toBe(
        "This form has changed since you started. Please check the highlighted answers.",
      );
      expect(await alert.getAttribute("aria-describedby")).toBe("notice");
      expect(await displayName.inputValue()).toBe("Augusta Ada King");
      expect(await displayName.getAttribute("aria-invalid")).toBe("true");
      const described = (await displayName.getAttribute("aria-describedby")) ?? "";
      expect(await page.locator(`[id="${described}"]`).textContent()).toBe(
        "Error: Use 10 characters or fewer",
      );
      expect(await wizard.progress()).toEqual(["Profile: Current (on screen)", "Plan: To do"]);
    };
    await expectSentBack();
    expect(await page.getByText("changed in another window", { exact: false }).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.reload();
    await expectSentBack();

    await displayName.fill("Ada King");
    await wizard.button("Continue").click();
    await wizard.expectStep("Plan");
    await page.getByRole("radio", { name: "Team" }).check();
    await wizard.button("Finish").click();
    expect(await wizard.summary()).toEqual([
      "Profile › Display name: Ada King",
      "Plan › Plan: Team",
    ]);
    const flow = await (await fetch(`${v2.url}/signup/${flowId}`)).json();
    expect(flow).toMatchObject({
      status: "completed",
      definitionVersion: 2,
      migratedFrom: { definitionVersion: 1 },
      data: { profile: { displayName: "Ada King" }, plan: { plan: "team" } },
    });
    await v2.stop();
  });
});
