import { describe, expect, it } from "vitest";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { type Field, fieldsOf, readable } from "../web/src/fields.ts";
import { summaryRows } from "../web/src/summary.ts";
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
          tags: { type: "array", items: { type: "string" } },
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
    expect(fields.tags?.control).toBe("unsupported");
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
    const fields = fieldsOf(fieldTypes.steps[0]?.jsonSchema ?? {});
    const rows = summaryRows(
      fields,
      { seats: 3, plan: "nonprofit", size: "s", newsletter: false, address: { city: "Lyon" } },
      "en-GB",
    );
    expect(rows).toEqual([
      { label: "Seats", value: "3" },
      { label: "Plan", value: "Nonprofit" },
      { label: "Size", value: "Small" },
      { label: "Send me the newsletter", value: "No" },
      { label: "Address › City", value: "Lyon" },
    ]);
    const [personal] = onboarding.steps.map((step) => fieldsOf(step.jsonSchema));
    expect(summaryRows(personal ?? [], { dateOfBirth: "1990-12-10" }, "en-GB")).toEqual([
      { label: "Date of birth", value: "10 December 1990" },
    ]);
  });
});
