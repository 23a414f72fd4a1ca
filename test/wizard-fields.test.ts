import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkout } from "../examples/checkout/flow.ts";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  type Field,
  fieldsOf,
  formOf,
  readable,
  unsupportedFields,
  variantOf,
} from "../src/form/index.ts";
import { summaryEntries } from "../web/src/summary.ts";
import { fieldTypes } from "./fixtures/field-types-flow.ts";

const byName = (fields: readonly Field[]) => Object.fromEntries(fields.map((f) => [f.name, f]));

describe("wizard: fields from JSON Schema", () => {
  it("reads the onboarding steps: titles, required marks, email, date, radios, checkbox", () => {
    const [personal, contract, company, review] = onboarding.steps.map((step) =>
      fieldsOf(step.jsonSchema),
    );
    expect(personal?.map((f) => [f.name, f.label, f.control, f.required, f.autocomplete])).toEqual([
      ["firstName", "First name", "text", true, "given-name"],
      ["lastName", "Last name", "text", true, "family-name"],
      ["email", "Email", "email", true, "email"],
      ["dateOfBirth", "Date of birth", "date", true, "bday"],
    ]);
    expect(byName(contract ?? []).contractType).toMatchObject({
      control: "radios",
      choices: [
        { value: "employee", label: "Employee" },
        { value: "contractor", label: "Contractor" },
      ],
    });
    expect(byName(company ?? []).vatId).toMatchObject({
      label: "VAT ID",
      hint: "Country code and number, such as DE123456789",
      maxLength: 14,
    });
    expect(review).toMatchObject([{ name: "acceptTerms", control: "checkbox", required: true }]);
  });

  it("reads numbers, long enumerations, titled choices, long text and nested objects", () => {
    const fields = byName(fieldsOf(fieldTypes.steps[0]?.jsonSchema ?? {}));
    expect(fields.seats).toMatchObject({
      control: "number",
      integer: true,
      minimum: 1,
      maximum: 50,
    });
    expect(fields.ratio).toMatchObject({ control: "number", integer: false, required: false });
    expect(fields.plan).toMatchObject({ control: "select" });
    expect(fields.plan?.choices).toHaveLength(6);
    expect(fields.size).toMatchObject({
      control: "radios",
      choices: [
        { value: "s", label: "Small" },
        { value: "l", label: "Large" },
      ],
    });
    expect(fields.website).toMatchObject({ control: "url", required: false });
    expect(fields.nickname).toMatchObject({ control: "text", maxLength: 20 });
    expect(fields.notes).toMatchObject({ control: "textarea" });
    expect(fields.address?.children.map((f) => [f.path, f.required])).toEqual([
      ["/address/city", true],
      ["/address/postalCode", false],
    ]);
  });

  it("follows local $refs, skips null in types and enums, and marks what it cannot edit", () => {
    const fields = byName(
      fieldsOf({
        $defs: { day: { type: "string", format: "date", title: "Day" } },
        properties: {
          when: { $ref: "#/$defs/day" },
          maybe: { type: ["null", "integer"] },
          colour: { enum: ["red", null, 3] },
          pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] },
          "a/b~c": { type: "string" },
        },
      }),
    );
    expect(fields.when).toMatchObject({ control: "date", label: "Day" });
    expect(fields.maybe).toMatchObject({ control: "number", integer: true });
    expect(fields.colour?.choices).toEqual([
      { value: "red", label: "Red" },
      { value: 3, label: "3" },
    ]);
    expect(fields.pair).toMatchObject({
      control: "unsupported",
      unsupported: "a list whose positions differ (prefixItems)",
    });
    expect(fields["a/b~c"]?.path).toBe("/a~1b~0c");
  });

  it("reads nullable enumerations, untyped const true and exclusive bounds", () => {
    const schema = z.toJSONSchema(
      z.strictObject({
        tier: z.enum(["gold", "silver"]).nullable().meta({ title: "Tier" }),
        agree: z.literal(true),
        count: z.int().positive().lt(10),
        share: z.number().gt(0),
      }),
    );
    const fields = byName(fieldsOf(schema as Record<string, unknown>));
    expect(fields.tier).toMatchObject({ control: "radios", label: "Tier" });
    expect(fields.tier?.choices.map((choice) => choice.value)).toEqual(["gold", "silver"]);
    expect(byName(fieldsOf({ properties: { agree: { const: true } } })).agree?.control).toBe(
      "checkbox",
    );
    expect(fields.count).toMatchObject({ control: "number", minimum: 1, maximum: 9 });
    expect(fields.share).toMatchObject({ control: "number", minimum: 0 });
  });

  it("makes identifiers readable and leaves other spellings alone", () => {
    expect(readable("dateOfBirth")).toBe("Date of birth");
    expect(readable("vat_id")).toBe("Vat id");
    expect(readable("company-details")).toBe("Company details");
    expect(readable("employee")).toBe("Employee");
    for (const spelled of ["USA", "iOS", "Dr. No", "EUR", "vatID"]) {
      expect(readable(spelled)).toBe(spelled);
    }
  });

  it("summarises submitted values as people read them", () => {
    const entries = summaryEntries(
      formOf(fieldTypes.steps[0]?.jsonSchema ?? {}),
      { seats: 3, plan: "nonprofit", size: "s", newsletter: false, address: { city: "Lyon" } },
      "en-GB",
    );
    expect(entries).toEqual([
      { label: "Seats", value: "3" },
      { label: "Plan", value: "Nonprofit" },
      { label: "Size", value: "Small" },
      { label: "Send me the newsletter", value: "No" },
      { label: "Address", fields: [{ label: "City", value: "Lyon" }] },
    ]);
    const personal = formOf(onboarding.steps[0]?.jsonSchema ?? {});
    expect(summaryEntries(personal, { dateOfBirth: "1990-12-10" }, "en-GB")).toEqual([
      { label: "Date of birth", value: "10 December 1990" },
    ]);
  });

  it("reads lists of objects and of scalars with their bounds and row paths", () => {
    const [cart] = checkout.steps.map((step) => formOf(step.jsonSchema));
    const items = byName(cart?.children ?? []).items;
    expect(items).toMatchObject({ control: "list", required: true, minItems: 1, maxItems: 20 });
    expect(items?.item).toMatchObject({ control: "group", label: "Item", path: "/items/-" });
    expect(items?.item?.children.map((f) => [f.path, f.label, f.control, f.required])).toEqual([
      ["/items/-/sku", "Product", "select", true],
      ["/items/-/qty", "Quantity", "number", true],
    ]);
    expect(items?.item?.children[0]?.choices[0]).toEqual({
      value: "tea-green",
      label: "Green tea, 100 g",
    });
    const tags = byName(
      fieldsOf(z.toJSONSchema(z.object({ tags: z.array(z.email()).optional() }))),
    ).tags;
    expect(tags).toMatchObject({ control: "list", required: false, minItems: 0 });
    expect(tags?.maxItems).toBeUndefined();
    expect(tags?.item).toMatchObject({ control: "email", label: "", path: "/tags/-" });
  });

  it("reads a discriminated union as variants told apart by their const, as a step or a field", () => {
    const payment = formOf(checkout.steps[1]?.jsonSchema ?? {});
    expect(payment).toMatchObject({
      control: "variants",
      path: "",
      label: "Payment method",
      discriminator: "method",
    });
    expect(
      payment.variants.map((v) => [v.label, v.tag, v.fields.map((f) => [f.path, f.required])]),
    ).toEqual([
      [
        "Card",
        "card",
        [
          ["/cardholder", true],
          ["/cardNumber", true],
          ["/expiry", true],
        ],
      ],
      [
        "Invoice",
        "invoice",
        [
          ["/companyName", true],
          ["/vatId", false],
          ["/billingEmail", true],
        ],
      ],
    ]);
    const shipping = byName(
      fieldsOf(
        z.toJSONSchema(
          z.object({
            shipping: z.discriminatedUnion("kind", [
              z.object({ kind: z.literal("pick-up") }),
              z.object({ kind: z.literal("courier"), floor: z.int().optional() }),
            ]),
            contact: z.union([z.object({ email: z.email() }), z.object({ phone: z.string() })]),
          }),
        ),
      ),
    );
    expect(shipping.shipping?.variants.map((v) => [v.label, v.fields.map((f) => f.path)])).toEqual([
      ["Pick up", []],
      ["Courier", ["/shipping/floor"]],
    ]);
    expect(shipping.contact).toMatchObject({ control: "variants", discriminator: undefined });
    expect(shipping.contact?.variants.map((v) => v.label)).toEqual([undefined, undefined]);
  });

  it("tells which variant data belongs to, and chooses none for nothing saved", () => {
    const contact = formOf(
      z.toJSONSchema(z.union([z.object({ email: z.email() }), z.object({ phone: z.string() })])),
    );
    // Guards a fresh non-discriminated union opening with its first variant already chosen.
    expect(variantOf(contact, {})).toBeUndefined();
    expect(variantOf(contact, undefined)).toBeUndefined();
    expect(variantOf(contact, { phone: "+49 30 123" })).toBe(1);
    expect(variantOf(contact, { fax: "1" })).toBeUndefined();
    const payment = formOf(checkout.steps[1]?.jsonSchema ?? {});
    expect(variantOf(payment, { method: "invoice" })).toBe(1);
    // Guards the summary reading a variant without a discriminator by its fields.
    expect(summaryEntries(contact, { phone: "+49 30 123" }, "en")).toEqual([
      { label: "Choose one", value: "Option 2" },
      { label: "Phone", value: "+49 30 123" },
    ]);
  });

  it("reads nested objects, nullable fields and enumerations with labels", () => {
    const fields = byName(
      fieldsOf(
        z.toJSONSchema(
          z.object({
            note: z.string().nullable(),
            score: z.number().nullable().optional(),
            office: z.object({ floor: z.int(), desk: z.object({ code: z.string() }) }).nullable(),
            tone: z.union([z.literal("warm").meta({ title: "Warm white" }), z.literal("cold")]),
          }),
        ),
      ),
    );
    expect(fields.note).toMatchObject({ control: "text", nullable: true, required: true });
    expect(fields.score).toMatchObject({ control: "number", nullable: true, required: false });
    expect(fields.office).toMatchObject({ control: "group", nullable: true });
    expect(fields.office?.children[1]?.children[0]?.path).toBe("/office/desk/code");
    expect(fields.tone?.choices).toEqual([
      { value: "warm", label: "Warm white" },
      { value: "cold", label: "Cold" },
    ]);
  });

  it("reports what the form cannot edit, by flow, step and JSON Pointer", () => {
    const odd = {
      name: "odd",
      steps: [
        {
          name: "first",
          jsonSchema: z.toJSONSchema(
            z.object({
              at: z.tuple([z.number(), z.number()]),
              labels: z.record(z.string(), z.string()),
              rows: z.array(z.object({ either: z.union([z.string(), z.number()]) })),
              fine: z.string(),
            }),
          ),
        },
      ],
    };
    expect(unsupportedFields(odd)).toEqual([
      {
        flow: "odd",
        step: "first",
        path: "/at",
        reason: "a list whose positions differ (prefixItems)",
      },
      {
        flow: "odd",
        step: "first",
        path: "/labels",
        reason: "an object with free-form keys (additionalProperties)",
      },
      {
        flow: "odd",
        step: "first",
        path: "/rows/-/either",
        reason: "a choice between values of different kinds",
      },
    ]);
    expect(unsupportedFields(checkout)).toEqual([]);
    expect(unsupportedFields(onboarding)).toEqual([]);
  });

  it("summarises lists row by row and a chosen variant with its fields, never as JSON", () => {
    const [cart, payment] = checkout.steps.map((step) => formOf(step.jsonSchema));
    const items = [
      { sku: "mug-white", qty: 2 },
      { sku: "tea-green", qty: 1 },
    ];
    expect(summaryEntries(cart ?? formOf({}), { items }, "en")).toEqual([
      {
        label: "Items",
        rows: [
          {
            label: "Item 1",
            fields: [
              { label: "Product", value: "White mug" },
              { label: "Quantity", value: "2" },
            ],
          },
          {
            label: "Item 2",
            fields: [
              { label: "Product", value: "Green tea, 100 g" },
              { label: "Quantity", value: "1" },
            ],
          },
        ],
      },
    ]);
    const invoice = { method: "invoice", companyName: "Acme", billingEmail: "ap@acme.test" };
    expect(summaryEntries(payment ?? formOf({}), invoice, "en")).toEqual([
      { label: "Payment method", value: "Invoice" },
      { label: "Company name", value: "Acme" },
      { label: "Billing email", value: "ap@acme.test" },
    ]);
    const untyped = formOf({ properties: { extra: {} } });
    expect(summaryEntries(untyped, { extra: [{ a: true }] }, "en")).toEqual([
      { label: "Extra", rows: [{ label: "Item 1", fields: [{ label: "A", value: "Yes" }] }] },
    ]);
  });
});
