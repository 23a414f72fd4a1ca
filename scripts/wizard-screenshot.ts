/**
 * Takes the README's screenshot of the web wizard (docs/wizard.png): the onboarding's
 * contract step with the server's error beside an empty field. Needs Debian's Chromium.
 *
 *   npm run screenshot
 */
import { chromium } from "playwright-core";
import { createWaymark } from "waymark";
import { startServer } from "waymark/server";
import { createSqliteStore } from "waymark/store/sqlite";
import { loadWizard } from "waymark/wizard";
import { onboarding } from "../examples/onboarding/flow.ts";

const store = createSqliteStore({ path: ":memory:" });
const waymark = createWaymark({ flows: [onboarding], store, wizard: await loadWizard() });
const silent = { info() {}, warn() {}, error() {} };
const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger: silent });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 }, locale: "en-GB" });
  await page.goto(server.url);
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
} finally {
  await browser.close();
  await server.close();
}
