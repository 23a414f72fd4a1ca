import { describe, expect, it } from "vitest";
import { missingTranslations, translate } from "../src/i18n/catalogue.ts";
import { screenMessages } from "../web/src/i18n/screen-messages.ts";

describe("the wizard's screen messages", () => {
  it("are translated completely into German and Arabic", () => {
    expect(missingTranslations(screenMessages)).toEqual({ de: [], ar: [] });
  });

  it("name no message English lacks", () => {
    const english = Object.keys(screenMessages.en);
    for (const locale of ["de", "ar"] as const) {
      expect(Object.keys(screenMessages[locale]).filter((key) => !english.includes(key))).toEqual(
        [],
      );
    }
  });

  it("count the steps still to be decided with each language's plurals", () => {
    const position = (locale: string, undecided: number) =>
      translate(screenMessages, locale, "position", { position: 1, total: 3, undecided });
    expect(position("en", 0)).toBe("Step 1 of 3");
    expect(position("en", 1)).toBe("Step 1 of 3, 1 more to be decided");
    expect(position("en", 2)).toBe("Step 1 of 3, 2 more to be decided");
    expect(position("de", 1)).toBe("Schritt 1 von 3, 1 weiterer steht noch nicht fest");
    expect(position("de", 2)).toBe("Schritt 1 von 3, 2 weitere stehen noch nicht fest");
    expect(position("ar", 1)).toContain("وخطوة أخرى لم تتحدد بعد");
    expect(position("ar", 2)).toContain("وخطوتان أخريان لم تتحددا بعد");
  });
});
