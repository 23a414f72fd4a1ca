import type { Locator, Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessibilityViolations } from "./support/browser.ts";
import { type ServerProcess, startServer } from "./support/processes.ts";
import { useWizardSession } from "./support/wizard-page.ts";

/** Presses Tab (or Shift+Tab) until `target` has focus; fails past `limit` presses. */
async function tabTo(page: Page, target: Locator, key = "Tab", limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${key} never reached ${target}`);
}

/** Whether `target` has focus now. */
const hasFocus = (target: Locator) =>
  target.evaluate((element) => element === document.activeElement);

// The checkout example in Debian's Chromium against a real `waymark serve`, by keyboard.
describe("web wizard: checkout with lists and variants", () => {
  const session = useWizardSession();
  let page: Page;
  let server: ServerProcess;

  beforeEach(async () => {
    page = session.page;
    server = await startServer({ store: session.store, flows: "examples/checkout/flow.ts" });
  });
  afterEach(async () => {
    await server.stop();
  });

  const button = (name: string) => page.getByRole("button", { name, exact: true });
  const combo = (name: string) => page.getByRole("combobox", { name, exact: true });
  const textbox = (name: string) => page.getByRole("textbox", { name, exact: true });
  const row = (number: number) => page.getByRole("group", { name: `Item ${number}`, exact: true });
  const step = (title: string) =>
    page.getByRole("heading", { level: 2, name: title, exact: true }).waitFor();
  const status = () => page.locator("#status").textContent();
  const noViolations = async () => expect(await accessibilityViolations(page)).toEqual([]);

  /** Chooses a select's option by pressing ArrowDown `times` from "Choose…". */
  async function choose(select: Locator, times: number) {
    await tabTo(page, select);
    for (let n = 0; n < times; n++) await page.keyboard.press("ArrowDown");
  }

  async function startCart() {
    await page.goto(server.url);
    await tabTo(page, button("Start"));
    await page.keyboard.press("Enter");
    await step("Your cart");
  }

  it("is completed with the keyboard alone: rows added, moved and removed, invoice after card", async () => {
    await startCart();
    // A required list with `minItems: 1` opens with one row, which cannot be removed.
    expect(await page.locator(".rows > li").count()).toBe(1);
    expect(await button("Remove Item 1").isVisible()).toBe(false);
    await choose(row(1).getByRole("combobox", { name: "Product" }), 3);
    await page.keyboard.press("Tab");
    await page.keyboard.type("2");

    await tabTo(page, button("Add Item"));
    await page.keyboard.press("Enter");
    const second = row(2).getByRole("combobox", { name: "Product" });
    expect(await hasFocus(second)).toBe(true);
    expect(await status()).toBe("Item 2 added. 2 rows.");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    await page.keyboard.type("1");

    await tabTo(page, button("Add Item"));
    await page.keyboard.press("Space");
    expect(await hasFocus(row(3).getByRole("combobox", { name: "Product" }))).toBe(true);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    await page.keyboard.type("5");
    await noViolations();

    // Green tea (row 2) moves to the top; focus stays on the moved row's buttons.
    await tabTo(page, button("Move Item 2 up"), "Shift+Tab");
    await page.keyboard.press("Enter");
    expect(await status()).toBe("Item 2 moved to position 1.");
    expect(await hasFocus(button("Move Item 1 down"))).toBe(true);
    expect(await row(1).getByRole("combobox", { name: "Product" }).inputValue()).toBe("0");

    await tabTo(page, button("Remove Item 3"));
    await page.keyboard.press("Enter");
    expect(await status()).toBe("Item 3 removed. 2 rows.");
    expect(await hasFocus(row(2).getByRole("combobox", { name: "Product" }))).toBe(true);
    expect(await page.locator(".rows > li").count()).toBe(2);

    await tabTo(page, button("Continue"));
    await page.keyboard.press("Enter");
    await step("Payment");

    // Card first, then invoice: the card's fields go, and nothing of them is sent.
    await tabTo(page, page.getByRole("radio", { name: "Card", exact: true }));
    await page.keyboard.press("Space");
    await tabTo(page, textbox("Name on the card"));
    await page.keyboard.type("Ada Lovelace");
    await tabTo(page, page.getByRole("radio", { name: "Card", exact: true }), "Shift+Tab");
    await page.keyboard.press("ArrowDown");
    expect(await page.getByRole("radio", { name: "Invoice" }).isChecked()).toBe(true);
    expect(await textbox("Name on the card").count()).toBe(0);
    await noViolations();
    // Guards Card → Invoice → Card by arrow keys: what was typed for the card stays.
    await page.keyboard.press("ArrowUp");
    expect(await page.getByRole("radio", { name: "Card", exact: true }).isChecked()).toBe(true);
    expect(await textbox("Name on the card").inputValue()).toBe("Ada Lovelace");
    await page.keyboard.press("ArrowDown");
    expect(await textbox("Name on the card").count()).toBe(0);
    await page.keyboard.press("Tab");
    expect(await hasFocus(textbox("Company name"))).toBe(true);
    await page.keyboard.type("Analytical Engines Ltd");
    await tabTo(page, textbox("Billing email"));
    await page.keyboard.type("accounts@example.com");
    await tabTo(page, button("Continue"));
    await page.keyboard.press("Enter");
    await step("Delivery address");

    // Back opens the payment as saved: its variant chosen and filled in.
    await tabTo(page, button("Back"));
    await page.keyboard.press("Enter");
    await step("Payment");
    expect(await page.getByRole("radio", { name: "Invoice" }).isChecked()).toBe(true);
    expect(await textbox("Company name").inputValue()).toBe("Analytical Engines Ltd");
    expect(await textbox("Name on the card").count()).toBe(0);
    await tabTo(page, button("Continue"));
    await page.keyboard.press("Enter");
    await step("Delivery address");

    for (const [name, value] of [
      ["Name", "Ada Lovelace"],
      ["Street", "12 St James's Square"],
      ["Postal code", "10115"],
      ["City", "Berlin"],
    ]) {
      await tabTo(page, textbox(name ?? ""));
      await page.keyboard.type(value ?? "");
    }
    await choose(combo("Country"), 1);
    await tabTo(page, button("Continue"));
    await page.keyboard.press("Enter");
    await step("Review and place the order");
    await tabTo(page, page.getByRole("checkbox", { name: "I accept the terms of sale" }));
    await page.keyboard.press("Space");
    await tabTo(page, button("Finish"));
    await page.keyboard.press("Enter");

    await page.getByRole("heading", { level: 2, name: "All done" }).waitFor();
    const rows = await page
      .locator(".summary-rows > li")
      .evaluateAll((items) =>
        items.map((item) =>
          [...item.querySelectorAll(".row")].reduce(
            (line, entry) =>
              `${line} ${entry.querySelector("dt")?.textContent}: ${entry.querySelector("dd")?.textContent};`,
            item.querySelector(".row-label")?.textContent ?? "",
          ),
        ),
      );
    expect(rows).toEqual([
      "Item 1 Product: Green tea, 100 g; Quantity: 1;",
      "Item 2 Product: White mug; Quantity: 2;",
    ]);
    expect(await page.locator(".summary").allTextContents()).not.toContainEqual(
      expect.stringMatching(/[{[]"/),
    );
    await noViolations();

    const flowId = decodeURIComponent(new URL(page.url()).hash.slice(1));
    const flow = (await (await fetch(`${server.url}/checkout/${flowId}`)).json()) as {
      status: string;
      data: Record<string, unknown>;
    };
    expect(flow.status).toBe("completed");
    expect(flow.data).toEqual({
      cart: {
        items: [
          { sku: "tea-green", qty: 1 },
          { sku: "mug-white", qty: 2 },
        ],
      },
      payment: {
        method: "invoice",
        companyName: "Analytical Engines Ltd",
        billingEmail: "accounts@example.com",
      },
      address: {
        name: "Ada Lovelace",
        street: "12 St James's Square",
        postalCode: "10115",
        city: "Berlin",
        country: "DE",
      },
      review: { acceptTerms: true },
    });
  });

  it("shows a bad quantity on its own row, and stops adding rows at maxItems", async () => {
    await startCart();
    await choose(row(1).getByRole("combobox", { name: "Product" }), 1);
    await page.keyboard.press("Tab");
    await page.keyboard.type("3");
    await tabTo(page, button("Add Item"));
    await page.keyboard.press("Enter");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    await page.keyboard.type("0");
    await tabTo(page, button("Continue"));
    await page.keyboard.press("Enter");
    await page.getByRole("alert").waitFor();
    const quantity = (number: number) => row(number).getByRole("spinbutton", { name: "Quantity" });
    expect(await quantity(2).getAttribute("aria-invalid")).toBe("true");
    expect(await row(2).locator(".error:not([hidden])").textContent()).toBe(
      "Error: Enter a quantity from 1 to 99",
    );
    expect(await quantity(1).getAttribute("aria-invalid")).toBeNull();
    const borderWidth = (target: Locator) =>
      target.evaluate((element) => getComputedStyle(element).borderInlineStartWidth);
    // Guards the red border of a field's error spreading to the group (row) around it.
    expect(await borderWidth(row(2).locator(".field.number"))).toBe("4px");
    expect(await borderWidth(row(2))).not.toBe("4px");
    // Guards `.rows { display: grid }` showing a list that is `hidden`.
    expect(
      await page.locator(".rows").evaluate((list: HTMLElement) => {
        list.hidden = true;
        const display = getComputedStyle(list).display;
        list.hidden = false;
        return display;
      }),
    ).toBe("none");
    await noViolations();

    for (let rows = 2; rows < 20; rows++) {
      await tabTo(page, button("Add Item"));
      await page.keyboard.press("Enter");
    }
    expect(await page.locator(".rows > li").count()).toBe(20);
    expect(await button("Add Item").count()).toBe(0);
  });

  it("puts a refused row's error on that row, though rows moved while it was sent", async () => {
    await startCart();
    const quantity = (number: number) => row(number).getByRole("spinbutton", { name: "Quantity" });
    for (const [number, qty] of [
      [1, "3"],
      [2, "0"],
      [3, "1"],
    ] as const) {
      if (number > 1) await button("Add Item").click();
      await row(number).getByRole("combobox", { name: "Product" }).selectOption({ index: 1 });
      await quantity(number).fill(qty);
    }
    let answer: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    await page.route("**/*", async (route) => {
      if (route.request().method() === "PUT") await held;
      await route.continue();
    });
    await button("Continue").click();
    await button("Remove Item 1").click();
    answer();
    await page.getByRole("alert").waitFor();
    // Guards errors matched against rows as they are now, not as they were sent.
    expect(await quantity(1).getAttribute("aria-invalid")).toBe("true");
    expect(await quantity(2).getAttribute("aria-invalid")).toBeNull();
    await page.unroute("**/*");
  });

  it("shows too few and too many rows on the list, from the server", async () => {
    const other = await startServer({
      store: session.store.replace(".db", "-gifts.db"),
      flows: "test/fixtures/gift-list-flow.ts",
    });
    try {
      await page.goto(other.url);
      await tabTo(page, button("Start"));
      await page.keyboard.press("Enter");
      await step("Gift list");
      await tabTo(page, textbox("Gift 1"));
      await page.keyboard.type("Book");
      await tabTo(page, button("Finish"));
      await page.keyboard.press("Enter");
      await page.getByRole("alert").waitFor();
      const list = page.getByRole("group", { name: "Gifts", exact: true });
      const error = list.locator(":scope > .error");
      expect(await error.textContent()).toBe("Error: Add at least two gifts");
      expect(await list.getAttribute("aria-describedby")).toContain(await error.getAttribute("id"));
      for (const gift of ["Tea", "Mug", "Kettle"]) {
        await tabTo(page, button("Add Gift"));
        await page.keyboard.press("Enter");
        await page.keyboard.type(gift);
      }
      await tabTo(page, button("Finish"));
      await page.keyboard.press("Enter");
      await page.getByText("Error: At most three gifts").waitFor();
      expect(await error.textContent()).toBe("Error: At most three gifts");
      await noViolations();
    } finally {
      await other.stop();
    }
  });
});
