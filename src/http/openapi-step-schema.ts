import type { StandardJSONSchemaV1 } from "@standard-schema/spec";
import type { DefinedStep, JsonSchema } from "../flow/types.ts";

type Schema = Record<string, unknown>;

/** Keywords whose value is a map of subschemas. */
const schemaMaps = new Set([
  "properties",
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "definitions",
]);
/** Keywords whose value is a list of subschemas. */
const schemaLists = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
/** Keywords whose value is one subschema (`items` may also be a list, in older drafts). */
const schemaSingles = new Set([
  "items",
  "additionalItems",
  "additionalProperties",
  "unevaluatedItems",
  "unevaluatedProperties",
  "contains",
  "propertyNames",
  "then",
  "else",
  "contentSchema",
]);
/**
 * Keywords whose subschema is a condition: a bound added there would change what the
 * schema accepts, so they are copied with their references rewritten and nothing more.
 */
const conditions = new Set(["not", "if"]);

/** Text every store keeps: no U+0000, which Waymark refuses in any string of a body. */
export const storableText = "^[^\\u0000]*$";

/** The largest integers JSON carries exactly between implementations (I-JSON, RFC 7493 §2.2). */
const safeInteger = Number.MAX_SAFE_INTEGER;
const int32 = 2 ** 31;

/**
 * A step's JSON Schema made a component of the document, at
 * `#/components/schemas/{name}`: its local references (`#/$defs/…`, `#`) rewritten to
 * point there, `$schema` and `$id` dropped (the document sets the dialect and the base),
 * and, where the schema states no bound of its own, the bounds the server enforces on
 * every body stated:
 *
 * - a string: `maxLength` from the body limit, and `pattern` {@link storableText} (the
 *   server refuses U+0000 in any string);
 * - an array: `maxItems`, as many one-byte items as fit in the body limit;
 * - an integer: the I-JSON range, ±(2⁵³−1), and `format` `int32` or `int64`.
 *
 * Conditions (`not`, `if`) are left as they are, since a bound there changes their meaning.
 *
 * @example embedStepSchema({ type: "object", properties: { n: { type: "integer" } } }, "SignupAccount", 65536)
 * // { type: "object", properties: { n: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991, format: "int64" } } }
 */
export function embedStepSchema(schema: JsonSchema, name: string, maxBodyBytes: number): Schema {
  const home = `#/components/schemas/${name}`;
  const limits = {
    maxLength: Math.max(0, maxBodyBytes - 2),
    maxItems: Math.max(0, Math.floor((maxBodyBytes - 1) / 2)),
  };

  function walk(node: unknown, bounded: boolean): unknown {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
    const out: Schema = {};
    for (const [keyword, value] of Object.entries(node as Schema)) {
      if (keyword === "$schema" || keyword === "$id") continue;
      if (keyword === "$ref" && typeof value === "string") out.$ref = rehome(value, home);
      else if (schemaMaps.has(keyword) && isObject(value)) {
        out[keyword] = mapValues(value, (child) => walk(child, bounded));
      } else if (schemaLists.has(keyword) && Array.isArray(value)) {
        out[keyword] = value.map((child) => walk(child, bounded));
      } else if (schemaSingles.has(keyword)) {
        out[keyword] = Array.isArray(value)
          ? value.map((child) => walk(child, bounded))
          : walk(value, bounded);
      } else if (conditions.has(keyword)) out[keyword] = walk(value, false);
      else out[keyword] = value;
    }
    return bounded ? withBounds(out, limits) : out;
  }

  return walk(schema, true) as Schema;
}

/** `#/$defs/x` in a schema stored at `home` is `{home}/$defs/x` in the document. */
function rehome(ref: string, home: string): string {
  if (ref === "#") return home;
  return ref.startsWith("#/") ? `${home}${ref.slice(1)}` : ref;
}

function withBounds(schema: Schema, limits: { maxLength: number; maxItems: number }): Schema {
  const types = typeof schema.type === "string" ? [schema.type] : asArray(schema.type);
  const fixed = "enum" in schema || "const" in schema;
  const bounded: Schema = { ...schema };
  if (types.includes("string") && !fixed) {
    bounded.maxLength ??= limits.maxLength;
    if (schema.format === undefined && schema.pattern === undefined) bounded.pattern = storableText;
  }
  if (types.includes("array")) bounded.maxItems ??= limits.maxItems;
  if (types.includes("integer")) {
    if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) {
      bounded.minimum = -safeInteger;
    }
    if (schema.maximum === undefined && schema.exclusiveMaximum === undefined) {
      bounded.maximum = safeInteger;
    }
    const low = Number(bounded.minimum ?? bounded.exclusiveMinimum);
    const high = Number(bounded.maximum ?? bounded.exclusiveMaximum);
    bounded.format ??= low >= -int32 && high < int32 ? "int32" : "int64";
  }
  return bounded;
}

/**
 * The JSON Schema of what a step saves (its schema's output), when it differs from what
 * clients send: a transform, a default. Undefined when they are the same, or when the
 * step's JSON Schema was given by hand (then nothing else is known); a schema that
 * cannot describe its output gives a plain object.
 *
 * @example savedStepSchema(step) // undefined for z.strictObject({ email: z.email() })
 */
export function savedStepSchema(step: DefinedStep): JsonSchema | undefined {
  const props: Partial<StandardJSONSchemaV1.Props> = step.schema["~standard"];
  const converter = props.jsonSchema;
  if (!converter) return undefined;
  let input: JsonSchema;
  try {
    input = converter.input({ target: "draft-2020-12" });
  } catch {
    return undefined;
  }
  // A hand-written jsonSchema wins over the library's: the output is then unknown.
  if (JSON.stringify(input) !== JSON.stringify(step.jsonSchema)) return undefined;
  try {
    const output = converter.output({ target: "draft-2020-12" });
    return JSON.stringify(output) === JSON.stringify(input) ? undefined : output;
  } catch {
    return { type: "object", description: "The step's saved data, as its schema outputs it" };
  }
}

function isObject(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function mapValues(object: Schema, map: (value: unknown) => unknown): Schema {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
}
