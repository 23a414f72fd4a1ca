import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { checkoutMessages } from "../examples/checkout/messages.ts";
import { isLibraryDefault } from "../src/flow/issues.ts";
import { translate } from "../src/i18n/catalogue.ts";
import { screenMessages } from "../web/src/i18n/screen-messages.ts";
import { phone } from "./support/browser.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { useWizardSession } from "./support/wizard-page.ts";

// The checkout in German and Arabic, in Debian's Chromium against a real `waymark
// serve`: every screen in the person's language, and never a schema library's text.
describe("web wizard: the checkout in German and Arabic", () => {
  const session = useWizardSession();
  let server: ServerProcess | undefined;

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function pageIn(locale: string): Promise<Page> {
    const context = await session.browser.newContext({ locale, viewport: phone });
    context.setDefaultTimeout(8_000);
    return context.newPage();
  }

  /** Whatever the page shows: no line of it is a library's default text, nothing scrolls sideways. */
  async function checkScreen(page: Page, lang: string, dir: "ltr" | "rtl") {
    const shown = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
      fits: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
      // biome-ignore lint/performance/useDomNodeTextContent: only what is rendered, line by line
      lines: document.body.innerText.split("\n").map((line) => line.trim()),
    }));
    expect({ lang: shown.lang, dir: shown.dir, fits: shown.fits }).toEqual({
      lang,
      dir,
      fits: true,
    });
    expect(shown.lines.filter((line) => isLibraryDefault(line))).toEqual([]);
  }

  const errorsShown = (page: Page) => page.locator(".error-summary li").allInnerTexts();

  for (const [locale, lang, dir] of [
    ["de-DE", "de", "ltr"],
    ["ar", "ar", "rtl"],
  ] as const) {
    it(`is completed in ${lang}, each refusal in the flow's own words`, async () => {
      server = await startServer({ store: session.store, flows: "examples/checkout/flow.ts" });
      const page = await pageIn(locale);
      const flowText = (text: keyof (typeof checkoutMessages)["de"]) =>
        checkoutMessages[lang][text];
      const ui = (key: "start" | "next" | "finish" | "allDone") =>
        translate(screenMessages, lang, key);
      const heading = (text: string) =>
        page.getByRole("heading", { level: 2, name: text, exact: true }).waitFor();
      const next = () => page.getByRole("button", { name: ui("next"), exact: true }).click();

      await page.goto(server.url);
      await page.getByRole("button", { name: ui("start"), exact: true }).click();
      await heading(flowText("Your cart"));
      await checkScreen(page, lang, dir);

      // The one row left empty: both fields refused, in the flow's own words.
      await next();
      await page.locator(".error-summary li").first().waitFor();
      expect(await errorsShown(page)).toEqual([
        flowText("Choose a product"),
        flowText("Enter a quantity from 1 to 99"),
      ]);
      await checkScreen(page, lang, dir);
      await page.locator('select[name="sku"]').selectOption({ index: 1 });
      await page.locator('[name="qty"]').fill("2");
      await next();

      await heading(flowText("Payment"));
      await page.getByRole("radio", { name: flowText("Invoice"), exact: true }).check();
      await next();
      await page.locator(".error-summary li").first().waitFor();
      expect(await errorsShown(page)).toEqual([
        flowText("Enter your company's name"),
        flowText("Enter an email address like name@example.com"),
      ]);
      await checkScreen(page, lang, dir);
      await page.locator('[name="companyName"]').fill("Analytical Engines Ltd");
      await page.locator('[name="billingEmail"]').fill("accounts@example.com");
      await next();

      await heading(flowText("Delivery address"));
      for (const [name, value] of [
        ["name", "Ada Lovelace"],
        ["street", "Hauptstraße 1"],
        ["postalCode", "10115"],
      ] as const) {
        await page.locator(`[name="${name}"]`).fill(value);
      }
      await page.locator('select[name="country"]').selectOption({ index: 1 });
      await next();
      await page.locator(".error-summary li").first().waitFor();
      expect(await errorsShown(page)).toEqual([flowText("Enter the city")]);
      await page.locator('[name="city"]').fill("Berlin");
      await next();

      await heading(flowText("Review and place the order"));
      await checkScreen(page, lang, dir);
      await page.getByRole("checkbox", { name: flowText("I accept the terms of sale") }).check();
      await page.getByRole("button", { name: ui("finish"), exact: true }).click();
      await heading(ui("allDone"));
      await checkScreen(page, lang, dir);
      const summary = await page.locator("main").textContent();
      expect(summary).toContain(flowText("Green tea, 100 g"));
      expect(summary).toContain(flowText("Invoice"));
      expect(summary).toContain("Analytical Engines Ltd");
      await page.context().close();
    });
  }

  // Regression: `z.string().trim().min(1, "Enter a name")` left empty showed zod's
  // "Invalid input: expected string, received undefined".
  it("shows the author's message for an empty required field", async () => {
    server = await startServer({
      store: session.store,
      flows: "test/fixtures/author-messages-flow.ts",
    });
    const page = session.page;
    await page.goto(server.url);
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await page.getByRole("heading", { level: 2, name: "Your name", exact: true }).waitFor();
    await page.getByRole("button", { name: "Finish", exact: true }).click();
    await page.locator(".error-summary li").first().waitFor();
    expect(await errorsShown(page)).toEqual(["Enter a name"]);
    // Beside the field too: only the name's error line is shown.
    expect(await page.locator(".field .error:not([hidden])").allTextContents()).toEqual([
      "Error: Enter a name",
    ]);
    await checkScreen(page, "en", "ltr");
  });
});
