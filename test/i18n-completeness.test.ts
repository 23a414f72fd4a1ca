import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { errorCodes } from "../src/errors.ts";
import { flowText } from "../src/flow/messages.ts";
import type { FlowDefinition } from "../src/flow/types.ts";
import { missingTranslations, translate } from "../src/i18n/catalogue.ts";
import { fieldMessages } from "../src/i18n/field-messages.ts";
import { pageMessages } from "../src/i18n/page-messages.ts";
import { problemMessages } from "../src/i18n/problem-messages.ts";
import { formMessages } from "../web/src/i18n/form-messages.ts";
import { screenMessages } from "../web/src/i18n/screen-messages.ts";

/** Every `title` and `description` string of a JSON Schema, at any depth. */
function schemaTexts(schema: unknown, into: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const member of schema) schemaTexts(member, into);
  } else if (typeof schema === "object" && schema !== null) {
    for (const [keyword, value] of Object.entries(schema)) {
      if ((keyword === "title" || keyword === "description") && typeof value === "string") {
        into.push(value);
      } else if (!["const", "enum", "default", "examples"].includes(keyword)) {
        schemaTexts(value, into);
      }
    }
  }
  return into;
}

/** The texts of a flow that the served representations carry. */
function servedTexts(definition: FlowDefinition): string[] {
  return [
    definition.title,
    ...(definition.description === undefined ? [] : [definition.description]),
    ...definition.steps.flatMap((step) => [step.title, ...schemaTexts(step.jsonSchema)]),
  ];
}

/** The messages the onboarding's schemas and `check` give, as written in examples/onboarding/flow.ts. */
const onboardingErrors = [
  "Enter your first name",
  "Enter your last name",
  "Enter an email address like name@example.com",
  "Enter your date of birth",
  "You must be at least 18 years old",
  "Choose a contract type",
  "Enter your start date",
  "Enter your role",
  "Enter your company's name",
  "Enter your VAT ID",
  "Two letters, then 2 to 12 letters or digits",
  "You must accept the terms",
  "At most 14 characters",
  "At most 100 characters",
  "At most 200 characters",
  "At most 254 characters",
];

describe("translations are complete", () => {
  it("has a title and a detail for every error code, in German and Arabic", () => {
    const keys = Object.keys(problemMessages.en);
    const expected = errorCodes.flatMap((code) => [code, `${code}.detail`]);
    expect(
      keys.filter((key) => !expected.includes(key)),
      "keys for no error code",
    ).toEqual([]);
    expect(
      expected.filter((key) => !keys.includes(key)),
      "error codes without texts",
    ).toEqual([]);
    const missing = missingTranslations(problemMessages);
    expect(missing.de, `German lacks: ${missing.de.join(", ")}`).toEqual([]);
    expect(missing.ar, `Arabic lacks: ${missing.ar.join(", ")}`).toEqual([]);
  });

  it("formats every problem text in every language with the values errors carry", () => {
    const values = { allow: "GET, HEAD", step: 1, stepName: "personal-info", maxBytes: 65_536 };
    const more = { ...values, maxTokenBytes: 4_096, recoverable: "yes" };
    for (const locale of ["en", "de", "ar"]) {
      for (const key of Object.keys(problemMessages.en) as (keyof typeof problemMessages.en)[]) {
        const text = translate(problemMessages, locale, key, more);
        expect(text, `${locale} ${key}`).not.toMatch(/[{}]/);
        expect(text.length, `${locale} ${key}`).toBeGreaterThan(0);
      }
    }
    expect(translate(problemMessages, "de", "body-too-large.detail", values)).toContain("65.536");
  });

  it("translates every text of the onboarding example into German and Arabic", () => {
    const texts = [...new Set([...servedTexts(onboarding), ...onboardingErrors])];
    // The walk finds the labels and hints: a regression guard on the walk itself.
    expect(texts).toEqual(expect.arrayContaining(["Onboarding", "First name", "Employee"]));
    for (const locale of ["de", "ar"]) {
      const missing = texts.filter((text) => flowText(onboarding, locale, text) === text);
      // "Onboarding" is the German word too.
      const untranslated = locale === "de" ? ["Onboarding"] : [];
      expect(
        missing.filter((text) => !untranslated.includes(text)),
        `${locale} lacks: ${missing.join(" | ")}`,
      ).toEqual([]);
    }
  });

  it("keeps no translation of a text the onboarding example no longer has", () => {
    const texts = new Set([...servedTexts(onboarding), ...onboardingErrors]);
    const messages = onboarding.messages as Record<string, Record<string, string>>;
    for (const locale of ["de", "ar"]) {
      const stale = Object.keys(messages[locale] ?? {}).filter((text) => !texts.has(text));
      expect(stale, `${locale} translates texts the flow lacks`).toEqual([]);
    }
  });

  it("lists what each shipped language lacks, catalogue by catalogue: nothing", () => {
    const missing = [
      { name: "problems", ...missingTranslations(problemMessages) },
      { name: "field errors", ...missingTranslations(fieldMessages) },
      { name: "server pages", ...missingTranslations(pageMessages) },
      { name: "wizard screens", ...missingTranslations(screenMessages) },
      { name: "wizard forms", ...missingTranslations(formMessages) },
    ];
    // Printed, so a failing run names each key that falls back to English.
    console.info(
      missing
        .map(
          ({ name, de, ar }) => `${name}: de lacks [${de.join(", ")}], ar lacks [${ar.join(", ")}]`,
        )
        .join("\n"),
    );
    expect(missing).toEqual(missing.map(({ name }) => ({ name, de: [], ar: [] })));
  });

  it("falls back to English for a key a language lacks, and for a language not shipped", () => {
    const partial = { en: { hello: "Hello {name}" }, de: {}, ar: { hello: "مرحبًا {name}" } };
    expect(translate(partial, "de", "hello", { name: "Ada" })).toBe("Hello Ada");
    expect(translate(partial, "ar-EG", "hello", { name: "Ada" })).toBe("مرحبًا Ada");
    expect(translate(partial, "fr", "hello", { name: "Ada" })).toBe("Hello Ada");
    expect(missingTranslations(partial)).toEqual({ de: ["hello"], ar: [] });
  });
});
