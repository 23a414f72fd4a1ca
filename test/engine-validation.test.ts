import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { WaymarkError } from "../src/errors.ts";
import { defineStep } from "../src/flow/define.ts";
import type { SubmitResult } from "../src/flow/engine.ts";
import { plainJsonObject } from "../src/flow/user-code.ts";
import {
  accepted,
  adHocFlow,
  company,
  contractor,
  employee,
  fresh,
  refused,
  submit,
  submitTo,
  walk,
} from "./support/engine.ts";
import { personalInfo } from "./support/onboarding-data.ts";

describe("submitStep: validation", () => {
  function invalid(result: SubmitResult): WaymarkError["errors"] {
    const error = refused(result);
    expect(error.code).toBe("invalid-step-data");
    return error.errors;
  }

  it("names each bad field by its JSON Pointer", async () => {
    const errors = invalid(
      await submit(fresh(), "1", { firstName: "", email: "nope", dateOfBirth: "2000-02-30" }),
    );
    expect(errors.map((error) => error.path)).toEqual([
      "/firstName",
      "/lastName",
      "/email",
      "/dateOfBirth",
    ]);
  });

  it("refuses an unknown key, naming it", async () => {
    const errors = invalid(await submit(fresh(), "1", { ...personalInfo, nickname: "Ada" }));
    expect(errors).toEqual([
      { path: "/nickname", code: "unknown_key", params: {}, message: "Unknown key" },
    ]);
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "refuses an own %s key, naming it",
    async (key) => {
      const input: unknown = JSON.parse(`{"${key}": {"polluted": true}, "firstName": "Ada"}`);
      expect(Object.keys(input as object)).toContain(key);
      const errors = invalid(await submit(fresh(), "1", input));
      expect(errors).toEqual([
        { path: `/${key}`, code: "unknown_key", params: {}, message: "Unknown key" },
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  // Regression: the pointer escapes "~" and "/" (RFC 6901), or the path names another key.
  it("escapes ~ and / in the path of an unknown key", async () => {
    const flow = adHocFlow(defineStep({ name: "a", schema: z.strictObject({ x: z.string() }) }));
    const errors = invalid(await submitTo(flow, fresh(flow), "a", { x: "1", "a/b~c": 1 }));
    expect(errors).toEqual([
      { path: "/a~1b~0c", code: "unknown_key", params: {}, message: "Unknown key" },
    ]);
  });

  // Regression: forbidden keys are refused anywhere in step data, not only at the top.
  it("refuses a nested own __proto__ key, naming it at its path", async () => {
    const flow = adHocFlow(
      defineStep({
        name: "address",
        schema: z.strictObject({ home: z.object({ city: z.string() }) }),
      }),
    );
    const input: unknown = JSON.parse('{"home": {"city": "Paris", "__proto__": {"x": 1}}}');
    const errors = invalid(await submitTo(flow, fresh(flow), "address", input));
    expect(errors.map((error) => error.path)).toEqual(["/home/__proto__"]);
  });

  it.each([
    ["an array", [personalInfo]],
    ["null", null],
    ["a string", "Ada"],
    ["a number", 42],
    ["a boolean", true],
    ["undefined", undefined],
  ])("refuses %s as the whole body", async (_, input) => {
    expect(invalid(await submit(fresh(), "1", input))).toEqual([
      {
        path: "",
        code: "invalid_type",
        params: { expected: "object" },
        message: "Expected a JSON object",
      },
    ]);
  });

  describe("the 18-years rule (now is 2026-06-15)", () => {
    it("accepts someone turning 18 today", async () => {
      const result = await submit(fresh(), "1", { ...personalInfo, dateOfBirth: "2008-06-15" });
      expect(accepted(result).changed).toBe(true);
    });

    it("refuses someone turning 18 tomorrow", async () => {
      const result = await submit(fresh(), "1", { ...personalInfo, dateOfBirth: "2008-06-16" });
      expect(invalid(result)).toEqual([
        {
          path: "/dateOfBirth",
          code: "custom",
          params: {},
          message: "You must be at least 18 years old",
        },
      ]);
    });

    it("accepts the same person once the clock reaches their birthday", async () => {
      const input = { ...personalInfo, dateOfBirth: "2008-06-16" };
      const result = await submit(fresh(), "1", input, new Date("2026-06-16T00:00:00Z"));
      expect(accepted(result).record.data["personal-info"]).toEqual(input);
    });
  });

  describe("string lengths", () => {
    const letters = (length: number) => "a".repeat(length);
    const cases = [
      { ref: "1", base: personalInfo, field: "firstName", max: 100, make: letters },
      { ref: "1", base: personalInfo, field: "lastName", max: 100, make: letters },
      {
        ref: "1",
        base: personalInfo,
        field: "email",
        max: 254,
        make: (length: number) => `${letters(length - 12)}@example.com`,
      },
      { ref: "2", base: contractor, field: "role", max: 100, make: letters },
      { ref: "3", base: company, field: "companyName", max: 200, make: letters },
      {
        ref: "3",
        base: company,
        field: "vatId",
        max: 14,
        make: (length: number) => `GB${"1".repeat(length - 2)}`,
      },
    ];
    const before = [
      ["1", personalInfo],
      ["2", contractor],
    ] as const;
    const atStep = (ref: string) => walk(before.slice(0, Number(ref) - 1));

    it.each(cases)("accepts $field of $max characters", async ({ ref, base, field, max, make }) => {
      const value = make(max);
      expect(value).toHaveLength(max);
      const result = await submit(await atStep(ref), ref, { ...base, [field]: value });
      expect(accepted(result).changed).toBe(true);
    });

    it.each(cases)(
      "refuses $field of $max + 1 characters",
      async ({ ref, base, field, max, make }) => {
        const value = make(max + 1);
        expect(value).toHaveLength(max + 1);
        const errors = invalid(await submit(await atStep(ref), ref, { ...base, [field]: value }));
        expect(new Set(errors.map((error) => error.path))).toEqual(new Set([`/${field}`]));
      },
    );
  });

  describe("vatId pattern", () => {
    async function submitVat(vatId: string): Promise<SubmitResult> {
      const record = await walk([
        ["1", personalInfo],
        ["2", contractor],
      ]);
      return submit(record, "3", { ...company, vatId });
    }

    it.each(["GB12", "DE123456789", "FRAB123456789"])("accepts %s", async (vatId) => {
      expect(accepted(await submitVat(vatId)).changed).toBe(true);
    });

    it.each(["gb123456789", "G1123456789", "GB1", "GB 123456", "GB-123", "12345678"])(
      "refuses %s at /vatId",
      async (vatId) => {
        expect(invalid(await submitVat(vatId)).map((error) => error.path)).toEqual(["/vatId"]);
      },
    );
  });

  it("refuses review without acceptTerms: true", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
    ]);
    const errors = invalid(await submit(record, "4", { acceptTerms: false }));
    expect(errors).toEqual([
      {
        path: "/acceptTerms",
        code: "invalid_value",
        params: { values: [true] },
        message: "You must accept the terms",
      },
    ]);
  });

  it("saves the schema's output, not the raw input", async () => {
    const result = await submit(fresh(), "1", { ...personalInfo, firstName: "  Ada  " });
    expect(accepted(result).record.data["personal-info"]?.firstName).toBe("Ada");
  });

  it("leaves the record untouched when it refuses", async () => {
    const record = fresh();
    const before = structuredClone(record);
    refused(await submit(record, "1", { ...personalInfo, email: "nope" }));
    expect(record).toEqual(before);
  });

  // Guards every store alike: PostgreSQL's jsonb cannot hold U+0000, so no store gets it.
  it("refuses U+0000 in a value or a key, naming where", async () => {
    const errors = invalid(
      await submit(fresh(), "1", { ...personalInfo, firstName: "Ada\u0000", lastName: "x" }),
    );
    expect(errors).toEqual([
      {
        path: "/firstName",
        code: "invalid_text",
        params: {},
        message: "Text may not contain U+0000 or lone surrogates",
      },
    ]);
    const keyed = invalid(await submit(fresh(), "1", { ...personalInfo, "a\u0000": 1 }));
    expect(keyed).toContainEqual({
      path: "/a\u0000",
      code: "unknown_key",
      params: {},
      message: "Unknown key",
    });
  });

  it("refuses a lone surrogate, which PostgreSQL could not store", async () => {
    const errors = invalid(await submit(fresh(), "1", { ...personalInfo, lastName: "Ada\ud800" }));
    expect(errors).toEqual([
      {
        path: "/lastName",
        code: "invalid_text",
        params: {},
        message: "Text may not contain U+0000 or lone surrogates",
      },
    ]);
  });
});

describe("plainJsonObject", () => {
  it("copies plain JSON, leaving out members that are undefined", () => {
    const input = { name: "Ada", nickname: undefined, tags: ["a", 1, null], nested: { ok: true } };
    const copy = plainJsonObject(input);
    expect(copy).toEqual({ name: "Ada", tags: ["a", 1, null], nested: { ok: true } });
    expect(copy).not.toBe(input);
    expect(Object.hasOwn(copy, "nickname")).toBe(false);
  });

  it("keeps a member named __proto__ as a member", () => {
    const copy = plainJsonObject(JSON.parse('{"__proto__":{"x":1}}'));
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it.each([
    [{ when: { at: new Date(0) } }, "/when/at"],
    [{ list: [1, Number.NaN] }, "/list/1"],
    [{ "a/b": { "c~d": 10n } }, "/a~1b/c~0d"],
    [{ list: [undefined] }, "/list/0"],
  ])("names the JSON Pointer of what is not JSON (%#)", (value, path) => {
    expect(() => plainJsonObject(value)).toThrow(`not plain JSON at "${path}"`);
  });

  it("refuses a cycle at the member that closes it", () => {
    const looped: Record<string, unknown> = { a: {} };
    (looped.a as Record<string, unknown>).back = looped;
    expect(() => plainJsonObject(looped)).toThrow('not plain JSON at "/a/back"');
  });
});
