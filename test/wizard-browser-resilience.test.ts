import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { generateKeyEntry } from "../src/token/jwe.ts";
import { contractorContract, contractorData, personalInfo } from "./support/onboarding-data.ts";
import { startServer } from "./support/processes.ts";
import { onboardingWizard, useWizardSession } from "./support/wizard-page.ts";

function flowIdOf(page: Page): string {
  return decodeURIComponent(new URL(page.url()).hash.slice(1));
}

// The web wizard in Debian's Chromium when servers die, state lives in tokens, flows
// expire, and schemas hold more than the onboarding example's fields.
describe("web wizard under restarts, tokens and other flows", () => {
  const session = useWizardSession();
  let context: BrowserContext;
  let page: Page;
  let store: string;

  beforeEach(() => {
    ({ context, page, store } = session);
  });

  it("carries on after the server is killed between two steps while the page stays open", async () => {
    const first = await startServer({ store });
    const port = Number(new URL(first.url).port);
    const wizard = onboardingWizard(page);
    await page.goto(first.url);
    await wizard.throughPersonalInfo();

    await first.stop("SIGKILL");
    await wizard.fillContract({ contractType: "contractor" });
    await wizard.button("Continue").click();
    await page
      .getByRole("alert")
      .getByText("Your answers were not saved because the server could not be reached.", {
        exact: false,
      })
      .waitFor();
    expect(await wizard.field("Role").inputValue()).toBe(contractorContract.role);

    const second = await startServer({ store, port });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    await wizard.fillCompany();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    await wizard.summary();
    const flow = await (await fetch(`${second.url}/onboarding/${wizard.flowId()}`)).json();
    expect(flow.data).toEqual(contractorData);
    await second.stop();
  });

  it("a tab left behind by a write in another tab says so and shows where the flow stands", async () => {
    const server = await startServer({ store });
    // Without live updates (a proxy that refuses streams), this tab learns of the other's
    // write only when its own is refused.
    await page.route(/\/events$/, (route) => route.abort());
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.throughPersonalInfo();

    const otherTab = await context.newPage();
    await otherTab.goto(page.url());
    const other = onboardingWizard(otherTab);
    await other.expectStep("Contract details");
    await other.fillContract({ contractType: "contractor" });
    await other.button("Continue").click();
    await other.expectStep("Company details");

    // This tab's If-Match names the version before the other tab's write: 412.
    await wizard.fillContract({ role: "Architect" });
    await wizard.button("Continue").click();
    await wizard.expectStep("Company details");
    // Focus is on the heading, which the notice describes, so it is read out.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("step-title");
    const notice = await page.locator("#step-title").getAttribute("aria-describedby");
    expect(await page.locator(`#${notice}`).textContent()).toContain("changed in another window");
    const flow = await (await fetch(`${server.url}/onboarding/${wizard.flowId()}`)).json();
    expect(flow.data["contract-details"]).toEqual(contractorContract);
    await server.stop();
  });

  it("a write whose answer was lost is recognised as saved when sent again", async () => {
    const server = await startServer({ store });
    // Without live updates: with them, the page would follow its own write at once.
    await page.route(/\/events$/, (route) => route.abort());
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
    await page.getByText("Your answers were not saved", { exact: false }).waitFor();
    const flow = await (await fetch(`${server.url}/onboarding/${wizard.flowId()}`)).json();
    expect(flow.data).toEqual({ "personal-info": personalInfo });

    // Sent again with the old ETag: 412, but the flow holds exactly these answers.
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    expect(await page.locator("#notice").count()).toBe(0);
    await server.stop();
  });

  it("sends one write however often Finish is pressed while the summary loads", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.fillContract();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await wizard.acceptTerms();

    const writes: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "PUT") writes.push(request.url());
    });
    // The summary reads each step; slowed down, it leaves time for more presses.
    await page.route(/\/step\/\d$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    const finish = wizard.button("Finish");
    await finish.click();
    await page.waitForResponse((response) => response.request().method() === "PUT");
    // Forced: the button says aria-disabled, which a person's click does not respect.
    await finish.click({ force: true });
    await finish.click({ force: true });
    await wizard.summary();
    expect(writes).toHaveLength(1);
    expect(await page.getByText("changed in another window").count()).toBe(0);
    await server.stop();
  });

  it("drops an answer overtaken by a newer link opened in the same tab", async () => {
    const server = await startServer({ store });
    const other = (await (await fetch(`${server.url}/onboarding`, { method: "POST" })).json()) as {
      flowId: string;
    };
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    const first = wizard.flowId();
    await wizard.fillPersonalInfo();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/step\/1$/, async (route) => {
      if (route.request().method() === "PUT") await held;
      await route.continue();
    });
    await wizard.button("Continue").click();
    await page.evaluate((id) => {
      location.hash = id;
    }, other.flowId);
    await wizard.expectStep("Personal information");
    release();
    await page.waitForResponse((response) => response.request().method() === "PUT");
    // The late answer for the first flow neither moves the address nor the screen.
    await page.waitForTimeout(300);
    expect(wizard.flowId()).toBe(other.flowId);
    expect(await wizard.field("First name").inputValue()).toBe("");
    const saved = await (await fetch(`${server.url}/onboarding/${first}`)).json();
    expect(saved.data).toEqual({ "personal-info": personalInfo });
    await server.stop();
  });

  it("keeps the link and offers to try again when reading the flow fails for now", async () => {
    const server = await startServer({ store });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    await wizard.start();
    const flowId = wizard.flowId();
    await page.route(`**/onboarding/${flowId}`, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/problem+json",
        body: JSON.stringify({ title: "Store unavailable", status: 503, detail: "Try later" }),
      }),
    );
    await page.reload();
    await page.getByRole("heading", { name: "We can’t show this flow right now" }).waitFor();
    expect(await page.getByText("The server answered “Try later”.", { exact: false }).count()).toBe(
      1,
    );
    expect(wizard.flowId()).toBe(flowId);
    await page.unroute(`**/onboarding/${flowId}`);
    await wizard.button("Try again").click();
    await wizard.expectStep("Personal information");
    expect(wizard.flowId()).toBe(flowId);
    await server.stop();
  });

  it("in token mode, the address follows each write without adding history entries", async () => {
    const server = await startServer({
      env: { WAYMARK_STORE: "token", WAYMARK_TOKEN_KEYS: generateKeyEntry("k1") },
    });
    const wizard = onboardingWizard(page);
    await page.goto(server.url);
    const historyLength = await page.evaluate(() => history.length);
    await wizard.start();
    const tokens = [wizard.flowId()];
    await wizard.fillPersonalInfo();
    await wizard.button("Continue").click();
    await wizard.expectStep("Contract details");
    tokens.push(wizard.flowId());
    // A reload opens the flow from the token in the address alone.
    await page.reload();
    await wizard.expectStep("Contract details");
    await wizard.fillContract();
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    tokens.push(wizard.flowId());
    expect(await page.getByLabel("Link to continue later").inputValue()).toBe(
      `${server.url}/#${tokens[2]}`,
    );
    expect(
      await page.getByText("This link changes after every step", { exact: false }).count(),
    ).toBe(1);
    await wizard.button("Back").click();
    await wizard.expectStep("Contract details");
    expect(await wizard.field("Role").inputValue()).toBe("Engineer");
    await wizard.button("Continue").click();
    await wizard.expectStep("Review and accept");
    await wizard.acceptTerms();
    await wizard.button("Finish").click();
    expect(await wizard.summary()).toContain("Contract details › Contract type: Employee");
    tokens.push(wizard.flowId());

    expect(new Set(tokens).size).toBe(4);
    for (const token of tokens) expect(token).toMatch(/^[\w-]+(\.[\w-]*){4}$/);
    expect(await page.evaluate(() => history.length)).toBe(historyLength);
    await server.stop();
  });

  it("a flow that expired offers to continue where it left off, or to start again", async () => {
    const server = await startServer({
      store,
      flows: "test/fixtures/field-types-flow.ts",
    });
    const created = await fetch(`${server.url}/short-lived`, { method: "POST" });
    const { flowId } = (await created.json()) as { flowId: string };
    await page.goto(`${server.url}/wizard/short-lived#${flowId}`);
    await page.getByRole("heading", { level: 2, name: "Only" }).waitFor();
    // The flow's time to live is one second; it is kept for the default 30 days after.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await fetch(`${server.url}/short-lived/${flowId}`)).status).toBe(410);
    await page.reload();
    await page.getByRole("heading", { name: "Your session has expired" }).waitFor();
    await page.getByRole("button", { name: "Start again" }).click();
    await page.getByRole("heading", { level: 2, name: "Only" }).waitFor();
    expect(flowIdOf(page)).not.toBe(flowId);

    await page.goto(`${server.url}/wizard/short-lived#${flowId}`);
    await page.getByRole("button", { name: "Continue where you left off" }).click();
    await page.getByRole("heading", { level: 2, name: "Only" }).waitFor();
    expect(flowIdOf(page)).toBe(flowId);
    await server.stop();
  });

  it("builds forms for numbers, selects, radios with titles, checkboxes, long text and nested objects", async () => {
    const server = await startServer({
      store,
      flows: "test/fixtures/field-types-flow.ts",
    });
    await page.goto(server.url);
    expect(await page.getByRole("link").allTextContents()).toEqual([
      "Field <types> & more",
      "Short lived",
    ]);
    await page.getByRole("link", { name: "Field <types> & more" }).click();
    await page.getByRole("button", { name: "Start" }).click();
    await page.getByRole("heading", { level: 2, name: "Everything" }).waitFor();

    const seats = page.getByRole("spinbutton", { name: "Seats", exact: true });
    expect(await seats.getAttribute("min")).toBe("1");
    expect(await seats.getAttribute("max")).toBe("50");
    expect(await page.getByText("From 1 to 50").isVisible()).toBe(true);
    expect(
      await page.getByRole("combobox", { name: "Plan" }).locator("option").allTextContents(),
    ).toEqual(["Choose…", "Free", "Team", "Business", "Enterprise", "Education", "Nonprofit"]);
    expect(
      await page.getByRole("textbox", { name: "Notes (optional)" }).evaluate((e) => e.tagName),
    ).toBe("TEXTAREA");
    expect(
      await page.getByRole("textbox", { name: "Website (optional)" }).getAttribute("type"),
    ).toBe("url");
    expect(await page.getByRole("group", { name: "Address" }).isVisible()).toBe(true);

    await seats.fill("120");
    await page.getByRole("button", { name: "Finish" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText("There is a problem").waitFor();
    // Everything the server refused is listed; `/address/city` lands beside the city field.
    expect(await page.getByRole("textbox", { name: "City" }).getAttribute("aria-invalid")).toBe(
      "true",
    );
    expect(await seats.getAttribute("aria-invalid")).toBe("true");

    // The browser keeps "1e" from the page (the input's value is ""), so the page says so.
    const ratio = page.getByRole("spinbutton", { name: "Ratio (optional)" });
    await ratio.pressSequentially("1e");
    await page.getByRole("button", { name: "Finish" }).click();
    await alert.getByText("Enter a number").waitFor();
    expect(await ratio.getAttribute("aria-invalid")).toBe("true");
    const untouched = await (await fetch(`${server.url}/field-types/${flowIdOf(page)}`)).json();
    expect(untouched.version).toBe(1);

    // An optional choice can be taken back.
    await page.getByRole("radio", { name: "Red" }).check();
    await page.getByRole("radio", { name: "No answer" }).check();

    await seats.fill("12");
    await ratio.fill("0.5");
    await page.getByRole("combobox", { name: "Plan" }).selectOption({ label: "Enterprise" });
    await page.getByRole("radio", { name: "Large" }).check();
    await page.getByRole("checkbox", { name: "Send me the newsletter" }).check();
    await page.getByRole("textbox", { name: "Notes (optional)" }).fill("Line one\nLine two");
    await page.getByRole("textbox", { name: "City" }).fill("Lyon");
    await page.getByRole("button", { name: "Finish" }).click();
    await page.getByRole("heading", { level: 2, name: "All done" }).waitFor();

    const flow = await (await fetch(`${server.url}/field-types/${flowIdOf(page)}`)).json();
    expect(flow.data).toEqual({
      everything: {
        seats: 12,
        ratio: 0.5,
        plan: "enterprise",
        size: "l",
        newsletter: true,
        notes: "Line one\nLine two",
        address: { city: "Lyon" },
      },
    });
    // The nested object is a list of its own under its label: City › Lyon under Address.
    expect(await page.locator(".summary dd dl dt").allTextContents()).toEqual(["City"]);
    expect(await page.locator(".summary dd:not(:has(dl))").allTextContents()).toEqual([
      "12",
      "0.5",
      "Enterprise",
      "Large",
      "Yes",
      "Line one\nLine two",
      "Lyon",
    ]);
    await server.stop();
  });
});
