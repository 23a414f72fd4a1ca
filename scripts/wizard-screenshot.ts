/**
 * Takes the README's screenshots of the web wizard: the onboarding's contract step with
 * the server's error beside an empty field (docs/wizard.png), the same step in Arabic,
 * right to left, with the progress list (docs/onboarding-ar.png), and the checkout's cart
 * with two rows (docs/checkout.png). Needs Debian's Chromium.
 *
 *   npm run screenshot
 */
import { chromium } from "playwright-core";
import { createWaymark } from "waymark";
import { startServer } from "waymark/server";
import { createSqliteStore } from "waymark/store/sqlite";
import { loadWizard } from "waymark/wizard";
import { checkout } from "../examples/checkout/flow.ts";
import { onboarding } from "../examples/onboarding/flow.ts";

const store = createSqliteStore({ path: ":memory:" });
const waymark = createWaymark({ flows: [onboarding, checkout], store, wizard: await loadWizard() });
const silent = { info() {}, warn() {}, error() {} };
const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger: silent });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 }, locale: "en-GB" });
  await page.goto(`${server.url}/wizard/onboarding`);
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("textbox", { name: "First name" }).fill("Ada");
  await page.getByRole("textbox", { name: "Last name" }).fill("Lovelace");
  await page.getByRole("textbox", { name: "Email" }).fill("ada@example.com");
  await page.getByRole("textbox", { name: "Date of birth" }).fill("1990-12-10");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("radio", { name: "Contractor" }).check();
  await page.getByRole("textbox", { name: "Start date" }).fill("2027-01-04");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("alert").waitFor();
  await page.getByRole("textbox", { name: "Role" }).focus();
  await page.screenshot({ path: "docs/wizard.png", fullPage: true });
  process.stdout.write("wrote docs/wizard.png\n");

  // Arabic: the browser's language picks the page's; fields are found by name, since
  // their labels are the flow's own texts, translated where the flow translates them.
  const arabic = await browser.newPage({ viewport: { width: 900, height: 900 }, locale: "ar" });
  await arabic.goto(`${server.url}/wizard/onboarding`);
  await arabic.getByRole("button", { name: "ابدأ" }).click();
  await arabic.locator('[name="firstName"]').fill("ليلى");
  await arabic.locator('[name="lastName"]').fill("الحسيني");
  await arabic.locator('[name="email"]').fill("layla@example.com");
  await arabic.locator('[name="dateOfBirth"]').fill("1990-12-10");
  await arabic.getByRole("button", { name: "متابعة" }).click();
  await arabic.locator('[name="contractType"]').first().waitFor();
  await arabic.screenshot({ path: "docs/onboarding-ar.png", fullPage: true });
  process.stdout.write("wrote docs/onboarding-ar.png\n");

  const cart = await browser.newPage({ viewport: { width: 900, height: 900 }, locale: "en-GB" });
  await cart.goto(`${server.url}/wizard/checkout`);
  await cart.getByRole("button", { name: "Start" }).click();
  const row = (number: number) => cart.getByRole("group", { name: `Item ${number}`, exact: true });
  await row(1)
    .getByRole("combobox", { name: "Product" })
    .selectOption({ label: "Green tea, 100 g" });
  await row(1).getByRole("spinbutton", { name: "Quantity" }).fill("2");
  await cart.getByRole("button", { name: "Add Item" }).click();
  await row(2)
    .getByRole("combobox", { name: "Product" })
    .selectOption({ label: "Glass teapot, 1 l" });
  await row(2).getByRole("spinbutton", { name: "Quantity" }).fill("1");
  await cart.getByRole("textbox", { name: "Gift note" }).fill("Happy birthday, Ada!");
  await cart.getByRole("button", { name: "Move Item 2 up" }).focus();
  await cart.screenshot({ path: "docs/checkout.png", fullPage: true });
  process.stdout.write("wrote docs/checkout.png\n");
} finally {
  await browser.close();
  await server.close();
}
