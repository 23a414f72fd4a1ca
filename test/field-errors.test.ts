import type { StandardSchemaV1 } from "@standard-schema/spec";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as z3 from "zod/v3";
import { fieldErrorCodes } from "../src/contract/problem.ts";
import { defineFlow } from "../src/flow/define.ts";
import { validateStep } from "../src/flow/engine.ts";
import { classifyIssue, isLibraryDefault } from "../src/flow/issues.ts";
import { fieldLabel, isChoice, schemaAt } from "../src/flow/schema-at.ts";
import type { JsonSchema } from "../src/flow/types.ts";
import { missingTranslations } from "../src/i18n/catalogue.ts";
import { builtInMessage, fieldMessages } from "../src/i18n/field-messages.ts";

async function issuesOf(schema: StandardSchemaV1, value: unknown) {
  const result = await schema["~standard"].validate(value);
  return result.issues ?? [];
}

async function classified(schema: StandardSchemaV1, value: unknown) {
  return (await issuesOf(schema, value)).flatMap(classifyIssue).map(({ keys, code, params }) => ({
    keys,
    code,
    params,
  }));
}

describe("classifyIssue", () => {
  it("reads Zod 4's codes and params", async () => {
    const schema = z.strictObject({
      name: z.string().min(2),
      age: z.number().gt(17).lte(99).multipleOf(3),
      site: z.url(),
      when: z.iso.datetime(),
      kind: z.enum(["a", "b"]),
    });
    expect(
      await classified(schema, {
        name: "A",
        age: 100,
        site: "x",
        when: "y",
        kind: "c",
        z: 1,
        y: 2,
      }),
    ).toEqual([
      {
        keys: ["name"],
        code: "too_small",
        params: { minimum: 2, inclusive: true, origin: "string" },
      },
      {
        keys: ["age"],
        code: "too_big",
        params: { maximum: 99, inclusive: true, origin: "number" },
      },
      { keys: ["age"], code: "not_multiple_of", params: { divisor: 3 } },
      { keys: ["site"], code: "invalid_format", params: { format: "uri" } },
      { keys: ["when"], code: "invalid_format", params: { format: "date-time" } },
      { keys: ["kind"], code: "invalid_value", params: { values: ["a", "b"] } },
      { keys: ["z"], code: "unknown_key", params: {} },
      { keys: ["y"], code: "unknown_key", params: {} },
    ]);
    expect(await classified(z.object({ age: z.number().gt(17) }), { age: 17 })).toEqual([
      {
        keys: ["age"],
        code: "too_small",
        params: { minimum: 17, inclusive: false, origin: "number" },
      },
    ]);
    expect(await classified(z.union([z.string(), z.number()]), true)).toEqual([
      { keys: [], code: "invalid_union", params: {} },
    ]);
    expect(
      await classified(
        z.string().refine(() => false),
        "x",
      ),
    ).toEqual([{ keys: [], code: "custom", params: {} }]);
  });

  it("reads Zod 3's codes and params", async () => {
    const schema = z3.object({
      name: z3.string().min(2),
      email: z3.string().email(),
      kind: z3.enum(["a", "b"]),
      yes: z3.literal(true),
      n: z3.number().multipleOf(5),
    });
    expect(
      await classified(schema, { name: "A", email: "x", kind: "c", yes: false, n: 3 }),
    ).toEqual([
      {
        keys: ["name"],
        code: "too_small",
        params: { minimum: 2, inclusive: true, origin: "string" },
      },
      { keys: ["email"], code: "invalid_format", params: { format: "email" } },
      { keys: ["kind"], code: "invalid_value", params: { values: ["a", "b"] } },
      { keys: ["yes"], code: "invalid_value", params: { values: [true] } },
      { keys: ["n"], code: "not_multiple_of", params: { divisor: 5 } },
    ]);
  });

  it("reads Valibot's kinds and types", async () => {
    const schema = v.object({
      name: v.pipe(v.string(), v.maxLength(2)),
      age: v.pipe(v.number(), v.integer(), v.minValue(18), v.multipleOf(4)),
      when: v.pipe(v.string(), v.isoTimestamp()),
      ok: v.pipe(
        v.string(),
        v.check(() => false),
      ),
      list: v.pipe(v.array(v.string()), v.nonEmpty()),
      flag: v.boolean(),
      either: v.union([v.string(), v.number()]),
    });
    const value = { name: "Ada", age: 1.5, when: "x", ok: "x", list: [], flag: 1, either: true };
    expect(await classified(schema, value)).toEqual([
      {
        keys: ["name"],
        code: "too_big",
        params: { maximum: 2, inclusive: true, origin: "string" },
      },
      { keys: ["age"], code: "invalid_type", params: { expected: "integer" } },
      {
        keys: ["age"],
        code: "too_small",
        params: { minimum: 18, inclusive: true, origin: "number" },
      },
      { keys: ["age"], code: "not_multiple_of", params: { divisor: 4 } },
      { keys: ["when"], code: "invalid_format", params: { format: "date-time" } },
      { keys: ["ok"], code: "custom", params: {} },
      {
        keys: ["list"],
        code: "too_small",
        params: { minimum: 1, inclusive: true, origin: "array" },
      },
      { keys: ["flag"], code: "invalid_type", params: { expected: "boolean" } },
      { keys: ["either"], code: "invalid_union", params: {} },
    ]);
  });

  it("makes an issue of another library custom", () => {
    expect(classifyIssue({ message: "must be a string", path: ["a"] })).toEqual([
      { keys: ["a"], code: "custom", params: {}, message: "must be a string" },
    ]);
  });
});

describe("isLibraryDefault", () => {
  it("recognises the default texts of Zod 4, Zod 3 and Valibot", async () => {
    const defaults = [
      ...(await issuesOf(
        z.strictObject({ a: z.string(), b: z.email(), c: z.number().min(1), d: z.enum(["x"]) }),
        { c: 0, d: "y", e: 1 },
      )),
      ...(await issuesOf(z3.object({ a: z3.string(), b: z3.string().min(2).email() }), { b: "x" })),
      ...(await issuesOf(
        v.object({ a: v.string(), b: v.pipe(v.string(), v.email(), v.minLength(3)) }),
        { b: "x" },
      )),
    ].map((issue) => issue.message);
    expect(defaults.length).toBeGreaterThan(9);
    for (const message of defaults) expect(isLibraryDefault(message), message).toBe(true);
  });

  it.each([
    "Enter a name",
    "Enter your date of birth",
    "At most 254 characters",
    "You must accept the terms",
    "Invalid VAT ID for this country",
  ])("keeps the author's %j", (message) => {
    expect(isLibraryDefault(message)).toBe(false);
  });
});

describe("Waymark's field messages", () => {
  it("are complete in German and Arabic", () => {
    expect(missingTranslations(fieldMessages)).toEqual({ de: [], ar: [] });
  });

  it.each(["en", "de", "ar"])("format every code with and without its params in %s", (locale) => {
    const samples = {
      required: {},
      invalid_type: { expected: "number" },
      too_small: { minimum: 3, inclusive: true, origin: "string" },
      too_big: { maximum: 2, inclusive: false, origin: "number" },
      invalid_format: { format: "date-time" },
      invalid_value: { values: ["a"] },
      not_multiple_of: { divisor: 5 },
      invalid_union: {},
      unknown_key: {},
      invalid_text: {},
      custom: {},
    } as const;
    for (const code of fieldErrorCodes) {
      const message = builtInMessage(code, samples[code], locale, { label: "Name" });
      expect(message, code).not.toMatch(/[{}]/);
      expect(builtInMessage(code, {}, locale, { label: "Name" }), code).not.toMatch(/[{}]/);
    }
    expect(builtInMessage("invalid_format", { format: "date-time" }, locale)).not.toBe(
      builtInMessage("invalid_format", { format: "regex" }, locale),
    );
  });

  it("uses each language's plurals and number formats", () => {
    const chars = (minimum: number, locale: string) =>
      builtInMessage("too_small", { minimum, inclusive: true, origin: "string" }, locale);
    expect(chars(1, "en")).toBe("Enter at least 1 character");
    expect(chars(2, "en")).toBe("Enter at least 2 characters");
    expect(chars(2, "ar")).toBe("أدخل حرفين على الأقل");
    const [three, eleven, hundred] = [3, 11, 100].map((n) => new Intl.NumberFormat("ar").format(n));
    expect(chars(3, "ar")).toBe(`أدخل ${three} أحرف على الأقل`);
    expect(chars(11, "ar")).toBe(`أدخل ${eleven} حرفًا على الأقل`);
    expect(chars(100, "ar")).toBe(`أدخل ${hundred} حرف على الأقل`);
    const big = { minimum: 1500.5, inclusive: true, origin: "number" };
    expect(builtInMessage("too_small", big, "de")).toBe(
      `Bitte ${new Intl.NumberFormat("de").format(1500.5)} oder mehr eingeben`,
    );
  });

  it("asks to enter or choose, naming the field", () => {
    expect(builtInMessage("required", {}, "en", { label: "First name" })).toBe("Enter first name");
    expect(builtInMessage("required", {}, "en", { label: "VAT ID" })).toBe("Enter VAT ID");
    expect(builtInMessage("required", {}, "de", { label: "Vorname" })).toBe(
      "Bitte Vorname eingeben",
    );
    expect(builtInMessage("required", {}, "ar", { label: "النوع", choose: true })).toBe(
      "اختر النوع",
    );
  });
});

describe("schemaAt", () => {
  const root: JsonSchema = {
    type: "object",
    required: ["rows", "pair", "pick"],
    properties: {
      rows: { type: "array", items: { $ref: "#/$defs/row" } },
      pair: { type: "array", prefixItems: [{ type: "string", title: "First" }, { enum: [1, 2] }] },
      pick: {
        oneOf: [
          {
            type: "object",
            properties: { kind: { const: "a" }, x: { type: "string", title: "X" } },
          },
          {
            type: "object",
            properties: { kind: { const: "b" }, x: { type: "number", title: "Y" } },
          },
        ],
      },
      maybe: { anyOf: [{ type: "string", title: "Maybe" }, { type: "null" }] },
    },
    $defs: { row: { type: "object", required: ["sku"], properties: { sku: { title: "SKU" } } } },
  };

  it("follows $ref, items, prefixItems and required", () => {
    expect(schemaAt(root, ["rows", 3, "sku"], {})).toEqual({
      schemas: [{ title: "SKU" }],
      required: true,
    });
    expect(schemaAt(root, ["pair", 0], {}).schemas).toEqual([{ type: "string", title: "First" }]);
    expect(isChoice(schemaAt(root, ["pair", 1], {}).schemas, root)).toBe(true);
    expect(schemaAt(root, ["maybe"], {}).required).toBe(false);
  });

  it("picks a discriminated union's variant by its tag, or keeps every variant", () => {
    const picked = schemaAt(root, ["pick", "x"], { pick: { kind: "b" } });
    expect(picked.schemas.map((schema) => schema.title)).toEqual(["Y"]);
    const either = schemaAt(root, ["pick", "x"], { pick: {} });
    expect(either.schemas.map((schema) => schema.title)).toEqual(["X", "Y"]);
    expect(isChoice(schemaAt(root, ["pick", "kind"], { pick: {} }).schemas, root)).toBe(true);
    expect(isChoice(schemaAt(root, ["maybe"], {}).schemas, root)).toBe(false);
    const nullableEnum = { anyOf: [{ type: "string", enum: ["a", "b"] }, { type: "null" }] };
    expect(isChoice([nullableEnum], root)).toBe(true);
  });

  it.each([
    [["dateOfBirth"], "date of birth"],
    [["first_name"], "first name"],
    [["items", 0, "unitPrice"], "unit price"],
    [["tags", 2], "tags"],
    [["vatID"], "vat ID"],
  ])("labels %j as %j without a title", (keys, label) => {
    expect(fieldLabel([], keys)).toBe(label);
  });
});

describe("a missing field's message", () => {
  // Regression: the extra validation with "" only looks for a message; it never makes a 500.
  it("ignores a refinement that throws on an empty answer", async () => {
    const throwsOnEmpty = z.string().refine((text) => {
      if (text === "") throw new Error("cannot parse an empty code");
      return true;
    });
    const flow = defineFlow({ name: "codes", ttl: "1d" }).step({
      name: "s",
      schema: z.strictObject({ promoCode: throwsOnEmpty }),
    });
    const [step] = flow.steps;
    if (!step) throw new Error("the flow has its step");
    const result = await validateStep(flow, step, {}, { now: new Date(), flow: {} });
    expect(result.ok ? [] : result.error.errors).toEqual([
      { path: "/promoCode", code: "required", params: {}, message: "Enter promo code" },
    ]);
  });
});

describe("a missing variant", () => {
  // Regression: a missing tag was named by its key ("Choose kind"), a word the person never sees.
  it("is named by its union's title, or by the union's own key", async () => {
    const variants = [
      z.strictObject({ kind: z.literal("person"), name: z.string() }),
      z.strictObject({ kind: z.literal("company"), vat: z.string() }),
    ] as const;
    const flow = defineFlow({ name: "payers", ttl: "1d" })
      .step({
        name: "titled",
        schema: z.strictObject({
          payer: z.discriminatedUnion("kind", [...variants]).meta({ title: "Billing party" }),
        }),
      })
      .step({
        name: "keyed",
        schema: z.strictObject({ payer: z.discriminatedUnion("kind", [...variants]) }),
      })
      .step({
        name: "whole",
        schema: z.discriminatedUnion("kind", [...variants]).meta({ title: "Who pays" }),
      });
    const messages = [];
    for (const [step, input] of [
      [flow.steps[0], { payer: {} }],
      [flow.steps[1], { payer: {} }],
      [flow.steps[2], {}],
    ] as const) {
      const result = await validateStep(flow, step, input, { now: new Date(), flow: {} });
      messages.push(...(result.ok ? [] : result.error.errors.map((error) => error.message)));
    }
    expect(messages).toEqual(["Choose billing party", "Choose payer", "Choose who pays"]);
  });
});

describe("a refused choice", () => {
  // Regression: a labelled enumeration (a union of literals) refused as a union is a wrong value.
  it("is invalid_value with the allowed values, for a union of constants too", async () => {
    const flow = defineFlow({ name: "choices", ttl: "1d" }).step({
      name: "s",
      schema: z.strictObject({
        plain: z.enum(["a", "b"]),
        labelled: z.union([
          z.literal("laptop").meta({ title: "Laptop" }),
          z.literal("mouse").meta({ title: "Mouse" }),
        ]),
        maybe: z.union([z.literal("x"), z.literal("y")]).nullable(),
      }),
    });
    const [step] = flow.steps;
    if (!step) throw new Error("the flow has its step");
    const input = { plain: "c", labelled: "phone", maybe: "z" };
    const result = await validateStep(flow, step, input, { now: new Date(), flow: {} });
    expect(
      result.ok
        ? []
        : result.error.errors.map(({ path, code, params }) => ({ path, code, params })),
    ).toEqual([
      { path: "/plain", code: "invalid_value", params: { values: ["a", "b"] } },
      { path: "/labelled", code: "invalid_value", params: { values: ["laptop", "mouse"] } },
      { path: "/maybe", code: "invalid_value", params: { values: ["x", "y"] } },
    ]);
  });
});

/** Schemas without a message of their author's, and data each refuses in many ways. */
const shapes: Array<[string, StandardSchemaV1, JsonSchema | undefined, unknown[]]> = [
  [
    "Zod text, numbers and formats",
    z.strictObject({
      a: z.string().trim().min(1).max(3),
      b: z.number().int().min(0).max(5).multipleOf(2),
      c: z.email(),
      d: z.iso.date(),
      e: z.url(),
      f: z.string().regex(/^x$/),
      g: z.uuid(),
      h: z.iso.datetime(),
      // Formats Zod words as "Invalid {format}".
      i: z.string().lowercase(),
      j: z.hex(),
    }),
    undefined,
    [
      {},
      { a: "", b: 1.5, c: 1, d: "x", e: "x", f: "y", g: "x", h: "x", i: "A", j: "xyz" },
      { a: "abcd", b: 7 },
    ],
  ],
  [
    "Zod choices and structures",
    z.strictObject({
      kind: z.enum(["a", "b"]),
      yes: z.literal(true),
      flag: z.boolean(),
      either: z.union([z.string(), z.number()]),
      tagged: z.discriminatedUnion("t", [
        z.object({ t: z.literal("x"), x: z.string() }),
        z.object({ t: z.literal("y"), y: z.number() }),
      ]),
      rows: z.array(z.strictObject({ q: z.number().positive() })).min(1),
      nested: z.strictObject({ deep: z.strictObject({ v: z.string() }) }),
      fine: z.string().refine((s) => s === "ok"),
    }),
    undefined,
    [
      {},
      { kind: "c", yes: false, flag: "x", either: [], tagged: { t: "z" }, rows: [], nested: 1 },
      { tagged: {}, rows: [{ q: -1, r: 1 }], nested: { deep: {} }, fine: "no" },
    ],
  ],
  [
    "Valibot",
    v.strictObject({
      a: v.pipe(v.string(), v.minLength(2), v.maxLength(3)),
      b: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2)),
      c: v.pipe(v.string(), v.email()),
      d: v.pipe(v.string(), v.isoDate()),
      e: v.pipe(v.string(), v.url()),
      k: v.picklist(["a", "b"]),
      l: v.literal(true),
      u: v.union([v.string(), v.number()]),
      t: v.variant("t", [
        v.object({ t: v.literal("x"), x: v.string() }),
        v.object({ t: v.literal("y") }),
      ]),
      r: v.array(v.strictObject({ q: v.number() })),
      o: v.pipe(
        v.string(),
        v.check(() => false),
      ),
    }),
    toJsonSchema(
      v.strictObject({
        a: v.string(),
        b: v.number(),
        c: v.string(),
        d: v.string(),
        e: v.string(),
        k: v.picklist(["a", "b"]),
        l: v.literal(true),
        u: v.union([v.string(), v.number()]),
        t: v.variant("t", [
          v.object({ t: v.literal("x"), x: v.string() }),
          v.object({ t: v.literal("y") }),
        ]),
        r: v.array(v.strictObject({ q: v.number() })),
        o: v.string(),
      }),
    ) as JsonSchema,
    [
      {},
      { a: "x", b: 1.5, c: "x", d: "x", e: "x", k: "z", l: false, u: true, t: {}, r: [{}], o: "" },
      { a: "xxxx", b: 3, t: { t: "q" }, r: [{ q: "1", z: 1 }], o: "no" },
    ],
  ],
];

describe("no library text reaches a user", () => {
  it.each(shapes)("%s", async (_name, schema, jsonSchema, bodies) => {
    const flow = defineFlow({ name: "shapes", ttl: "1d" }).step({
      name: "s",
      schema,
      ...(jsonSchema ? { jsonSchema } : {}),
    });
    const [step] = flow.steps;
    if (!step) throw new Error("the flow has its step");
    let seen = 0;
    for (const body of bodies) {
      const library = new Set((await issuesOf(schema, body)).map((issue) => issue.message));
      for (const locale of ["en", "de", "ar"]) {
        const result = await validateStep(flow, step, body, { now: new Date(), flow: {}, locale });
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        for (const error of result.error.errors) {
          seen += 1;
          expect(fieldErrorCodes).toContain(error.code);
          expect(isLibraryDefault(error.message), error.message).toBe(false);
          expect(library.has(error.message), error.message).toBe(false);
        }
      }
    }
    expect(seen).toBeGreaterThan(10);
  });
});
