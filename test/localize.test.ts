import { describe, expect, it } from "vitest";
import { defineFlow } from "waymark";
import { z } from "zod";
import { localSchema, translateSchema } from "../src/flow/localize.ts";

const upper = (text: string) => text.toUpperCase();

describe("translateSchema", () => {
  it("translates titles and descriptions at every depth, and leaves names and values", () => {
    const schema = {
      title: "Order",
      type: "object",
      required: ["title"],
      properties: {
        // A field named like a keyword: its name stays, its schema is translated.
        title: { type: "string", title: "Title", default: "title", examples: ["title"] },
        lines: {
          type: "array",
          description: "Lines",
          items: { type: "object", properties: { sku: { title: "SKU", const: "title" } } },
        },
        size: { anyOf: [{ const: "s", title: "Small" }, { type: "null" }], enum: ["title"] },
      },
      $defs: { money: { title: "Money" } },
    };
    const frozen = structuredClone(schema);
    expect(translateSchema(schema, upper)).toEqual({
      title: "ORDER",
      type: "object",
      required: ["title"],
      properties: {
        title: { type: "string", title: "TITLE", default: "title", examples: ["title"] },
        lines: {
          type: "array",
          description: "LINES",
          items: { type: "object", properties: { sku: { title: "SKU", const: "title" } } },
        },
        size: { anyOf: [{ const: "s", title: "SMALL" }, { type: "null" }], enum: ["title"] },
      },
      $defs: { money: { title: "MONEY" } },
    });
    expect(schema).toEqual(frozen);
  });
});

describe("localSchema", () => {
  const flow = defineFlow({
    name: "signup",
    ttl: "1h",
    messages: { de: { Name: "Name (de)" } },
  }).step({ name: "name", schema: z.object({ name: z.string().meta({ title: "Name" }) }) });
  const step = flow.steps[0];

  it("makes each language's schema once, and serves the definition's own without messages", () => {
    const german = localSchema(flow, step, "de");
    expect(german).toMatchObject({ properties: { name: { title: "Name (de)" } } });
    expect(localSchema(flow, step, "de")).toBe(german);
    expect(localSchema(flow, step, "ar")).toMatchObject({
      properties: { name: { title: "Name" } },
    });
    const plain = defineFlow({ name: "plain", ttl: "1h" }).step({
      name: "name",
      schema: z.object({ name: z.string() }),
    });
    expect(localSchema(plain, plain.steps[0], "de")).toBe(plain.steps[0].jsonSchema);
  });
});
