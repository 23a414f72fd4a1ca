import { describe, expect, it } from "vitest";
import { checkout } from "../examples/checkout/flow.ts";
import { checkoutMessages } from "../examples/checkout/messages.ts";
import { flowLocales, flowText } from "../src/flow/messages.ts";
import { missingTranslations, shippedLocales, translate } from "../src/i18n/catalogue.ts";
import { formMessages } from "../web/src/i18n/form-messages.ts";

describe("the form controls' catalogue", () => {
  it("is complete in German and Arabic", () => {
    expect(missingTranslations(formMessages)).toEqual({ de: [], ar: [] });
  });

  it("formats every message in every shipped language, plurals included", () => {
    const values = { label: "Quantity", item: "Item", row: "Item 2", number: 2, position: 1 };
    for (const locale of shippedLocales) {
      for (const key of Object.keys(formMessages.en) as (keyof typeof formMessages.en)[]) {
        for (const count of [0, 1, 2, 3, 11, 20]) {
          const text = translate(formMessages, locale, key, {
            ...values,
            count,
            min: count,
            max: count,
          });
          expect(text, `${locale} ${key}`).not.toMatch(/[{}]/);
        }
      }
    }
    expect(translate(formMessages, "en", "rowLimits", { min: 1, max: 20 })).toBe(
      "At least 1 row. At most 20 rows.",
    );
    expect(translate(formMessages, "de", "rowCount", { count: 1 })).toBe("1 Zeile.");
    expect(translate(formMessages, "ar", "rowCount", { count: 2 })).toBe("صفان.");
    expect(translate(formMessages, "ar", "rowCount", { count: 3 })).toBe("3 صفوف.");
  });
});

/** Every title and description in a JSON Schema, at any depth. */
function schemaTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(schemaTexts);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, entry]) =>
    (key === "title" || key === "description") && typeof entry === "string"
      ? [entry]
      : schemaTexts(entry),
  );
}

/** The messages a step's schema gives for `data`. */
async function messagesFor(index: number, data: unknown): Promise<string[]> {
  const step = checkout.steps[index];
  if (!step) throw new Error(`no step ${index}`);
  const result = await step.schema["~standard"].validate(data);
  return (result.issues ?? []).map((issue) => issue.message);
}

describe("the checkout example's translations", () => {
  it("carries every title, description and message in German and Arabic", async () => {
    const long = "x".repeat(300);
    const texts = new Set([
      checkout.title,
      checkout.description ?? "",
      ...checkout.steps.flatMap((step) => [step.title, ...schemaTexts(step.jsonSchema)]),
      ...(await messagesFor(0, {})),
      ...(await messagesFor(0, {
        items: [{ qty: 0 }, { sku: "tea-green", qty: 100 }],
        giftNote: long,
      })),
      ...(await messagesFor(0, {
        items: Array.from({ length: 21 }, () => ({ sku: "gift-box", qty: 1 })),
      })),
      ...(await messagesFor(1, {})),
      ...(await messagesFor(1, { method: "card" })),
      ...(await messagesFor(1, {
        method: "card",
        cardholder: long,
        cardNumber: "12",
        expiry: "13/30",
      })),
      ...(await messagesFor(1, { method: "invoice" })),
      ...(await messagesFor(1, {
        method: "invoice",
        companyName: long,
        vatId: "x",
        billingEmail: "a",
      })),
      ...(await messagesFor(2, {})),
      ...(await messagesFor(2, {
        name: long,
        street: long,
        postalCode: long,
        city: long,
        country: "US",
      })),
      ...(await messagesFor(3, {})),
    ]);
    expect(flowLocales(checkout)).toEqual(expect.arrayContaining(["de", "ar"]));
    for (const locale of ["de", "ar"] as const) {
      const untranslated = [...texts].filter((text) => !(text in checkoutMessages[locale]));
      expect(untranslated, locale).toEqual([]);
      // Through the definition, as the server reads them.
      expect(flowText(checkout, `${locale}-XX`, "Payment method")).toBe(
        checkoutMessages[locale]["Payment method"],
      );
    }
    expect(texts.size).toBeGreaterThan(50);
  });
});
