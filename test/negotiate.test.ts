import { describe, expect, it } from "vitest";
import { isLibraryDefault } from "../src/flow/issues.ts";
import { negotiateLocale } from "../src/i18n/negotiate.ts";

describe("negotiateLocale", () => {
  // Regression: a tag with a region lost to a bare tag listed after it at the same quality.
  it("takes the person's languages in order at equal quality, a region matching its language", () => {
    expect(negotiateLocale("en-GB, de")).toBe("en");
    expect(negotiateLocale("en-US, ar")).toBe("en");
    expect(negotiateLocale("ar-EG, de")).toBe("ar");
    expect(negotiateLocale("de-AT, en-US")).toBe("de");
    expect(negotiateLocale("ar-EG;q=1.0,de;q=1.0")).toBe("ar");
  });

  it("follows quality first, skips what is not available, and falls back to the first available", () => {
    expect(negotiateLocale("fr, de;q=0.5")).toBe("de");
    expect(negotiateLocale("en;q=0.2, ar;q=0.9")).toBe("ar");
    expect(negotiateLocale("de;q=0")).toBe("en");
    expect(negotiateLocale("zz, ar;q=0.1")).toBe("ar");
    expect(negotiateLocale("*")).toBe("en");
    expect(negotiateLocale(undefined)).toBe("en");
    expect(negotiateLocale("not a language!!")).toBe("en");
    expect(negotiateLocale("FR-ca", ["en", "de", "ar", "fr"])).toBe("fr");
    expect(negotiateLocale("pt-BR", ["en", "pt-BR"])).toBe("pt-BR");
  });
});

describe("isLibraryDefault with Zod's formats outside its dictionary", () => {
  it("is left to the issue: classifyIssue blanks 'Invalid {format}' for such a format", async () => {
    const { z } = await import("zod");
    const { classifyIssue } = await import("../src/flow/issues.ts");
    const schema = z.strictObject({
      a: z.string().lowercase(),
      b: z.hex(),
      c: z.string().uppercase(),
    });
    const result = await schema["~standard"].validate({ a: "A", b: "xyz", c: "c" });
    const issues = (result.issues ?? []).flatMap(classifyIssue);
    // Regression: "Invalid lowercase", "Invalid hex" and "Invalid uppercase" reached users.
    expect(issues.map(({ code, message }) => ({ code, message }))).toEqual([
      { code: "invalid_format", message: "" },
      { code: "invalid_format", message: "" },
      { code: "invalid_format", message: "" },
    ]);
    // An author's own "Invalid …" sentence is not mistaken for one.
    expect(isLibraryDefault("Invalid postcode for this country")).toBe(false);
  });
});
