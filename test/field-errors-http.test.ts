import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  createWaymark,
  defineFlow,
  type FlowDefinition,
  fieldErrorCodes,
  type JsonSchema,
} from "waymark";
import type { FieldError, ProblemDocument } from "waymark/contract";
import { createMemoryStore } from "waymark/store/memory";
import { z } from "zod";
import { isLibraryDefault } from "../src/flow/issues.ts";

const translations = {
  de: {
    "Enter a name": "Bitte einen Namen eingeben",
    "Date of birth": "Geburtsdatum",
    Size: "Größe",
    "This name is taken": "Dieser Name ist vergeben",
  },
  ar: { "Enter a name": "أدخل اسمًا", "Date of birth": "تاريخ الميلاد", Size: "المقاس" },
};

/** Who `check` was asked for, by locale. */
const checkedIn: string[] = [];

const order = z.strictObject({
  name: z.string().trim().min(1, "Enter a name").max(20),
  nickname: z.string({ error: "Enter your nickname" }),
  dateOfBirth: z.iso.date().meta({ title: "Date of birth" }),
  size: z.enum(["s", "m", "l"]).meta({ title: "Size" }),
  gift: z.boolean(),
  quantity: z.number().int().min(1).max(10),
  reference: z.string().min(4).optional(),
  email: z.email().optional(),
  code: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  tags: z.array(z.string()).min(1).max(3).optional(),
  items: z
    .array(z.strictObject({ sku: z.string().meta({ title: "SKU" }), qty: z.number().int().min(1) }))
    .optional(),
  address: z.strictObject({ street: z.string(), houseNumber: z.string() }).optional(),
  delivery: z
    .discriminatedUnion("method", [
      z.strictObject({
        method: z.literal("post").meta({ title: "Delivery method" }),
        postcode: z.string(),
      }),
      z.strictObject({
        method: z.literal("pickup").meta({ title: "Delivery method" }),
        store: z.string(),
      }),
    ])
    .optional(),
});

const zodFlow = defineFlow({
  name: "zod-order",
  ttl: "1d",
  messages: translations,
  beforeComplete: ({ data }) =>
    data.order?.name === "Taken" ? [{ path: "/name", message: "This name is taken" }] : [],
}).step({
  name: "order",
  schema: order,
  check: (data, { locale }) => {
    checkedIn.push(locale);
    return data.nickname === "odd"
      ? [
          { path: "/nickname", message: "Not that one", code: "weird" as never },
          {
            path: "/size",
            message: "Pick a size we stock",
            code: "invalid_value",
            params: { values: ["m"] },
          },
        ]
      : [];
  },
});

const valid = {
  name: "Ada",
  nickname: "ada",
  dateOfBirth: "1990-01-31",
  size: "m",
  gift: false,
  quantity: 2,
};

const valibotSchema = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name")),
  dateOfBirth: v.pipe(v.string(), v.isoDate(), v.title("Date of birth")),
  size: v.pipe(v.picklist(["s", "m", "l"]), v.title("Size")),
  quantity: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)),
  email: v.optional(v.pipe(v.string(), v.email())),
  code: v.optional(v.pipe(v.string(), v.regex(/^[A-Z]{3}$/))),
  tags: v.optional(v.pipe(v.array(v.string()), v.minLength(2))),
  items: v.optional(v.array(v.strictObject({ sku: v.string(), qty: v.number() }))),
  delivery: v.optional(
    v.variant("method", [
      v.strictObject({ method: v.literal("post"), postcode: v.string() }),
      v.strictObject({ method: v.literal("pickup"), store: v.string() }),
    ]),
  ),
});

const valibotFlow = defineFlow({ name: "valibot-order", ttl: "1d", messages: translations }).step({
  name: "order",
  schema: valibotSchema,
  // Valibot's trim has no JSON Schema; it is left out of the form's schema.
  jsonSchema: toJsonSchema(valibotSchema, { errorMode: "ignore" }) as JsonSchema,
});

/** A Waymark serving `flows` from memory; `refuse` PUTs a body and reads the 422's errors. */
function serve(...flows: FlowDefinition[]) {
  const waymark = createWaymark({ flows, store: createMemoryStore() });
  const url = (path: string) => `http://waymark.test${path}`;
  return {
    async refuse(flow: string, body: unknown, language?: string): Promise<FieldError[]> {
      const started = await waymark.fetch(new Request(url(`/${flow}`), { method: "POST" }));
      const { flowId } = (await started.json()) as { flowId: string };
      const response = await waymark.fetch(
        new Request(url(`/${flow}/${flowId}/step/1`), {
          method: "PUT",
          headers: {
            "content-type": "application/json",
            ...(language ? { "accept-language": language } : {}),
          },
          body: JSON.stringify(body),
        }),
      );
      expect(response.status).toBe(422);
      const problem = (await response.json()) as ProblemDocument;
      expect(problem.type).toBe("urn:waymark:problem:invalid-step-data");
      for (const error of problem.errors ?? []) {
        expect(fieldErrorCodes).toContain(error.code);
        expect(error.params).toBeTypeOf("object");
        expect(isLibraryDefault(error.message), error.message).toBe(false);
      }
      return problem.errors ?? [];
    },
  };
}

const api = serve(zodFlow, valibotFlow);

describe("field errors over HTTP: Zod", () => {
  it("gives every error a code, params and a message of Waymark's or the author's", async () => {
    const errors = await api.refuse("zod-order", {
      nickname: 7,
      dateOfBirth: "2020-13-01",
      size: "xl",
      gift: "yes",
      quantity: 0.5,
      reference: "ab",
      email: "nope",
      code: "ab",
      tags: [],
      extra: true,
    });
    expect(errors).toEqual([
      { path: "/extra", code: "unknown_key", params: {}, message: "Unknown key" },
    ]);
    const schemaErrors = await api.refuse("zod-order", {
      nickname: 7,
      dateOfBirth: "2020-13-01",
      size: "xl",
      gift: "yes",
      quantity: 0.5,
      reference: "ab",
      email: "nope",
      code: "ab",
      tags: [],
    });
    expect(schemaErrors).toEqual([
      { path: "/name", code: "required", params: {}, message: "Enter a name" },
      {
        path: "/nickname",
        code: "invalid_type",
        params: { expected: "string" },
        message: "Enter your nickname",
      },
      {
        path: "/dateOfBirth",
        code: "invalid_format",
        params: { format: "date" },
        message: "Enter a date like 2030-01-31",
      },
      {
        path: "/size",
        code: "invalid_value",
        params: { values: ["s", "m", "l"] },
        message: "Choose one of the options offered",
      },
      {
        path: "/gift",
        code: "invalid_type",
        params: { expected: "boolean" },
        message: "Choose yes or no",
      },
      {
        path: "/quantity",
        code: "invalid_type",
        params: { expected: "integer" },
        message: "Enter a whole number",
      },
      {
        path: "/reference",
        code: "too_small",
        params: { minimum: 4, inclusive: true, origin: "string" },
        message: "Enter at least 4 characters",
      },
      {
        path: "/email",
        code: "invalid_format",
        params: { format: "email" },
        message: "Enter an email address like name@example.com",
      },
      {
        path: "/code",
        code: "invalid_format",
        params: { format: "regex" },
        message: "Enter the answer in the format asked for",
      },
      {
        path: "/tags",
        code: "too_small",
        params: { minimum: 1, inclusive: true, origin: "array" },
        message: "Choose at least 1 item",
      },
    ]);
  });

  it("says how big, for text, numbers and lists", async () => {
    const errors = await api.refuse("zod-order", {
      ...valid,
      name: "A".repeat(21),
      quantity: 11,
      tags: ["a", "b", "c", "d"],
    });
    expect(errors).toEqual([
      {
        path: "/name",
        code: "too_big",
        params: { maximum: 20, inclusive: true, origin: "string" },
        message: "Enter at most 20 characters",
      },
      {
        path: "/quantity",
        code: "too_big",
        params: { maximum: 10, inclusive: true, origin: "number" },
        message: "Enter 10 or less",
      },
      {
        path: "/tags",
        code: "too_big",
        params: { maximum: 3, inclusive: true, origin: "array" },
        message: "Choose at most 3 items",
      },
    ]);
    const small = await api.refuse("zod-order", { ...valid, quantity: 0 });
    expect(small).toEqual([
      {
        path: "/quantity",
        code: "too_small",
        params: { minimum: 1, inclusive: true, origin: "number" },
        message: "Enter 1 or more",
      },
    ]);
  });

  it("answers a missing field with the author's message for an empty answer, the author's type message, or Enter/Choose", async () => {
    const errors = await api.refuse("zod-order", {});
    expect(errors).toEqual([
      { path: "/name", code: "required", params: {}, message: "Enter a name" },
      { path: "/nickname", code: "required", params: {}, message: "Enter your nickname" },
      { path: "/dateOfBirth", code: "required", params: {}, message: "Enter date of birth" },
      { path: "/size", code: "required", params: {}, message: "Choose size" },
      { path: "/gift", code: "required", params: {}, message: "Choose gift" },
      { path: "/quantity", code: "required", params: {}, message: "Enter quantity" },
    ]);
  });

  it("words missing fields in German and Arabic, with the flow's translations", async () => {
    const body = { nickname: "ada", gift: true, quantity: 1 };
    expect(await api.refuse("zod-order", body, "de-DE, en;q=0.5")).toEqual([
      { path: "/name", code: "required", params: {}, message: "Bitte einen Namen eingeben" },
      {
        path: "/dateOfBirth",
        code: "required",
        params: {},
        message: "Bitte Geburtsdatum eingeben",
      },
      { path: "/size", code: "required", params: {}, message: "Bitte Größe auswählen" },
    ]);
    expect(await api.refuse("zod-order", body, "ar")).toEqual([
      { path: "/name", code: "required", params: {}, message: "أدخل اسمًا" },
      { path: "/dateOfBirth", code: "required", params: {}, message: "أدخل تاريخ الميلاد" },
      { path: "/size", code: "required", params: {}, message: "اختر المقاس" },
    ]);
  });

  it("words Waymark's own messages in German and Arabic, numbers by Intl", async () => {
    const body = { ...valid, quantity: 11, tags: [] };
    const de = await api.refuse("zod-order", body, "de");
    expect(de.map((error) => error.message)).toEqual([
      "Bitte 10 oder weniger eingeben",
      "Bitte mindestens 1 Eintrag auswählen",
    ]);
    const ar = await api.refuse("zod-order", body, "ar");
    const ten = new Intl.NumberFormat("ar").format(10);
    expect(ar.map((error) => error.message)).toEqual([
      `أدخل ${ten} أو أقل`,
      "اختر عنصرًا واحدًا على الأقل",
    ]);
    expect(ar.map((error) => error.params)).toEqual(de.map((error) => error.params));
  });

  // Empty means missing: the wizard leaves empty fields out, an API client may send "".
  it("takes a blank required text as missing, and a blank optional one as too short", async () => {
    const errors = await api.refuse("zod-order", { ...valid, name: "   ", reference: " " });
    expect(errors).toEqual([
      { path: "/name", code: "required", params: {}, message: "Enter a name" },
      {
        path: "/reference",
        code: "too_small",
        params: { minimum: 4, inclusive: true, origin: "string" },
        message: "Enter at least 4 characters",
      },
    ]);
  });

  it("names fields in nested objects and list rows by their JSON Pointer", async () => {
    const errors = await api.refuse("zod-order", {
      ...valid,
      items: [{ sku: "A1", qty: 1 }, { qty: 0 }],
      address: { zip: "1234" },
    });
    expect(errors).toEqual([
      { path: "/items/1/sku", code: "required", params: {}, message: "Enter SKU" },
      {
        path: "/items/1/qty",
        code: "too_small",
        params: { minimum: 1, inclusive: true, origin: "number" },
        message: "Enter 1 or more",
      },
      { path: "/address/street", code: "required", params: {}, message: "Enter street" },
      { path: "/address/houseNumber", code: "required", params: {}, message: "Enter house number" },
      { path: "/address/zip", code: "unknown_key", params: {}, message: "Unknown key" },
    ]);
  });

  it("asks to choose a missing discriminator, refuses a wrong one, and reads the variant chosen", async () => {
    const missing = await api.refuse("zod-order", { ...valid, delivery: {} });
    expect(missing).toEqual([
      { path: "/delivery/method", code: "required", params: {}, message: "Choose delivery method" },
    ]);
    const wrong = await api.refuse("zod-order", { ...valid, delivery: { method: "drone" } });
    expect(wrong).toEqual([
      {
        path: "/delivery/method",
        code: "invalid_value",
        params: { values: ["post", "pickup"] },
        message: "Choose one of the options offered",
      },
    ]);
    const chosen = await api.refuse("zod-order", { ...valid, delivery: { method: "post" } });
    expect(chosen).toEqual([
      { path: "/delivery/postcode", code: "required", params: {}, message: "Enter postcode" },
    ]);
  });

  it("gives check the locale, keeps a code it gave, and makes any other custom", async () => {
    const errors = await api.refuse("zod-order", { ...valid, nickname: "odd" }, "de");
    expect(checkedIn.at(-1)).toBe("de");
    expect(errors).toEqual([
      { path: "/nickname", code: "custom", params: {}, message: "Not that one" },
      {
        path: "/size",
        code: "invalid_value",
        params: { values: ["m"] },
        message: "Pick a size we stock",
      },
    ]);
  });

  it("gives beforeComplete's errors a code and translates them", async () => {
    const errors = await api.refuse("zod-order", { ...valid, name: "Taken" }, "de");
    expect(errors).toEqual([
      { path: "/name", code: "custom", params: {}, message: "Dieser Name ist vergeben" },
    ]);
  });
});

describe("field errors over HTTP: Valibot", () => {
  it("maps Valibot's issues to the same codes and params", async () => {
    const errors = await api.refuse("valibot-order", {
      name: "Ada",
      dateOfBirth: "2020-13-01",
      size: "xl",
      quantity: 0,
      email: "nope",
      code: "ab",
      tags: ["a"],
    });
    expect(errors).toEqual([
      {
        path: "/dateOfBirth",
        code: "invalid_format",
        params: { format: "date" },
        message: "Enter a date like 2030-01-31",
      },
      {
        path: "/size",
        code: "invalid_value",
        params: { values: ["s", "m", "l"] },
        message: "Choose one of the options offered",
      },
      {
        path: "/quantity",
        code: "too_small",
        params: { minimum: 1, inclusive: true, origin: "number" },
        message: "Enter 1 or more",
      },
      {
        path: "/email",
        code: "invalid_format",
        params: { format: "email" },
        message: "Enter an email address like name@example.com",
      },
      {
        path: "/code",
        code: "invalid_format",
        params: { format: "regex" },
        message: "Enter the answer in the format asked for",
      },
      {
        path: "/tags",
        code: "too_small",
        params: { minimum: 2, inclusive: true, origin: "array" },
        message: "Choose at least 2 items",
      },
    ]);
  });

  it("answers missing fields with the author's message for an empty answer, or Enter/Choose", async () => {
    expect(await api.refuse("valibot-order", {}, "de")).toEqual([
      { path: "/name", code: "required", params: {}, message: "Bitte einen Namen eingeben" },
      {
        path: "/dateOfBirth",
        code: "required",
        params: {},
        message: "Bitte Geburtsdatum eingeben",
      },
      { path: "/size", code: "required", params: {}, message: "Bitte Größe auswählen" },
      { path: "/quantity", code: "required", params: {}, message: "Bitte quantity eingeben" },
    ]);
  });

  it("reads nested rows and a variant's discriminator", async () => {
    const base = { name: "Ada", dateOfBirth: "1990-01-31", size: "s", quantity: 1 };
    expect(
      await api.refuse("valibot-order", { ...base, items: [{ qty: 1 }], delivery: {} }),
    ).toEqual([
      { path: "/items/0/sku", code: "required", params: {}, message: "Enter sku" },
      // The tag is named by its union: the person chooses a delivery, never sees "method".
      { path: "/delivery/method", code: "required", params: {}, message: "Choose delivery" },
    ]);
    expect(await api.refuse("valibot-order", { ...base, delivery: { method: "drone" } })).toEqual([
      {
        path: "/delivery/method",
        code: "invalid_value",
        params: { values: ["post", "pickup"] },
        message: "Choose one of the options offered",
      },
    ]);
  });
});
