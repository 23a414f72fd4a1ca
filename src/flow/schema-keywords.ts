import { canonicalJson as canonical } from "./json.ts";
import type { SchemaChangeKind } from "./schema-diff.ts";

// The comparisons of one schema against another at a single place, and the readers of
// JSON Schema they share with schema-diff.ts, which walks the fields.

/** A JSON Schema object, read without trusting its shape. */
export type Schema = { readonly [keyword: string]: unknown };

/** Records one change at the place being compared. */
export type Add = (
  kind: SchemaChangeKind,
  keyword: string | null,
  from: unknown,
  to: unknown,
) => void;

const lowerCounts = ["minLength", "minItems", "minProperties", "minContains"];
const upperCounts = ["maxLength", "maxItems", "maxProperties", "maxContains"];
/** Keywords whose change can't be ranked: added narrows, removed widens, replaced changes. */
const rules = ["pattern", "format", "multipleOf"];

/** How the types a field takes changed; `integer` counts as part of `number`. */
export function compareTypes(
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
): "same" | "narrowed" | "widened" | "changed" {
  const wider = admitsTypes(after, before);
  const narrower = admitsTypes(before, after);
  return wider && narrower ? "same" : wider ? "widened" : narrower ? "narrowed" : "changed";
}

/** Whether a field of types `outer` takes every value of types `inner` (undefined: any type). */
function admitsTypes(outer: readonly string[] | undefined, inner: readonly string[] | undefined) {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return inner.every(
    (type) => outer.includes(type) || (type === "integer" && outer.includes("number")),
  );
}

/** `const` and `enum`: the values a field may take, when it lists them. */
export function compareValues(before: Schema, after: Schema, add: Add): void {
  const was = allowedValues(before);
  const now = allowedValues(after);
  if (!was && !now) return;
  if (!was || !now) {
    const keyword = (now ?? was)?.keyword ?? "enum";
    add(
      now ? "limit-narrowed" : "limit-widened",
      keyword,
      before[keyword] ?? null,
      after[keyword] ?? null,
    );
    return;
  }
  const kept = new Set(now.values.map(canonical));
  for (const value of was.values) {
    if (!kept.has(canonical(value))) add("enum-value-removed", was.keyword, value, null);
  }
  const known = new Set(was.values.map(canonical));
  for (const value of now.values) {
    if (!known.has(canonical(value))) add("enum-value-added", now.keyword, null, value);
  }
}

/** Lengths, counts, numeric bounds, patterns, formats and `uniqueItems`. */
export function compareLimits(before: Schema, after: Schema, add: Add): void {
  for (const [keywords, lower] of [
    [lowerCounts, true],
    [upperCounts, false],
  ] as const) {
    for (const keyword of keywords) {
      const was = numberOf(before[keyword]);
      const now = numberOf(after[keyword]);
      if (was === now) continue;
      const narrower = was === undefined || (now !== undefined && (lower ? now > was : now < was));
      add(narrower ? "limit-narrowed" : "limit-widened", keyword, was ?? null, now ?? null);
    }
  }
  for (const lower of [true, false]) {
    const verdict = compareBounds(bound(before, lower), bound(after, lower), lower);
    if (!verdict) continue;
    for (const keyword of lower
      ? ["minimum", "exclusiveMinimum"]
      : ["maximum", "exclusiveMaximum"]) {
      if (before[keyword] === after[keyword]) continue;
      add(`limit-${verdict}`, keyword, before[keyword] ?? null, after[keyword] ?? null);
    }
  }
  for (const keyword of rules) {
    const was = before[keyword];
    const now = after[keyword];
    if (canonical(was) === canonical(now)) continue;
    const kind = was === undefined ? "narrowed" : now === undefined ? "widened" : "changed";
    add(`limit-${kind}`, keyword, was ?? null, now ?? null);
  }
  if (Boolean(before.uniqueItems) !== Boolean(after.uniqueItems)) {
    add(
      after.uniqueItems ? "limit-narrowed" : "limit-widened",
      "uniqueItems",
      before.uniqueItems ?? null,
      after.uniqueItems ?? null,
    );
  }
}

/** Whether a numeric bound (lower or upper) got tighter or looser. */
function compareBounds(
  before: { value: number; exclusive: boolean } | undefined,
  after: { value: number; exclusive: boolean } | undefined,
  lower: boolean,
): "narrowed" | "widened" | undefined {
  if (!before || !after) return before === after ? undefined : after ? "narrowed" : "widened";
  if (before.value === after.value) {
    return before.exclusive === after.exclusive
      ? undefined
      : after.exclusive
        ? "narrowed"
        : "widened";
  }
  return after.value > before.value === lower ? "narrowed" : "widened";
}

/** The tighter of `minimum` and `exclusiveMinimum` (or the maxima). */
function bound(schema: Schema, lower: boolean): { value: number; exclusive: boolean } | undefined {
  const inclusive = numberOf(schema[lower ? "minimum" : "maximum"]);
  const exclusive = numberOf(schema[lower ? "exclusiveMinimum" : "exclusiveMaximum"]);
  if (exclusive === undefined)
    return inclusive === undefined ? undefined : { value: inclusive, exclusive: false };
  if (inclusive === undefined || (lower ? exclusive >= inclusive : exclusive <= inclusive)) {
    return { value: exclusive, exclusive: true };
  }
  return { value: inclusive, exclusive: false };
}

/** The values `const` or `enum` lists, if either does. */
function allowedValues(
  schema: Schema,
): { keyword: string; values: readonly unknown[] } | undefined {
  if (Object.hasOwn(schema, "const")) return { keyword: "const", values: [schema.const] };
  return Array.isArray(schema.enum) ? { keyword: "enum", values: schema.enum } : undefined;
}

/** A local `$ref` replaced by its target, with the keywords beside it kept. */
export function resolve(raw: unknown, root: Schema, hops = 0): Schema {
  const schema = raw === false ? { not: {} } : asSchema(raw);
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#") || hops > 32) return schema;
  let target: unknown = root;
  for (const token of ref.slice(1).split("/").slice(1)) {
    const name = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = Object.hasOwn(asSchema(target), name) ? asSchema(target)[name] : undefined;
  }
  if (target === undefined) return schema;
  const { $ref: _, ...siblings } = schema;
  return { ...resolve(target, root, hops + 1), ...siblings };
}

/** `{ anyOf: [X, { type: "null" }] }`, as Zod writes `.nullable()` for objects, read as X or null. */
export function normalize(schema: Schema, root: Schema): Schema {
  const variants = variantsOf(schema);
  if (!variants) return schema;
  const others = variants.filter((variant) => asSchema(variant).type !== "null");
  const only = others.length === 1 ? resolve(others[0], root) : undefined;
  if (others.length === variants.length || !only || typesOf(only) === undefined) return schema;
  const { anyOf: _, oneOf: __, ...siblings } = schema;
  return { ...siblings, ...only, type: [...(typesOf(only) ?? []), "null"] };
}

/** The variants of an `anyOf` or `oneOf`, if the schema is one. */
export function variantsOf(schema: Schema): readonly unknown[] | undefined {
  const variants = schema.anyOf ?? schema.oneOf;
  return Array.isArray(variants) ? variants : undefined;
}

/** The types `type` lists; undefined when it says nothing (any type). */
export function typesOf(schema: Schema): readonly string[] | undefined {
  const { type } = schema;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? stringsOf(type) : undefined;
}

function isClosed(schema: Schema): boolean {
  return schema.additionalProperties === false || schema.unevaluatedProperties === false;
}

/** Whether a key outside `properties` still validates (an empty schema takes anything). */
export function admitsUnknownFields(schema: Schema): boolean {
  const extra = schema.additionalProperties;
  return !isClosed(schema) && (extra === undefined || extra === true || canonical(extra) === "{}");
}

/** The value as a schema object; an empty one (anything goes) when it is not an object. */
export function asSchema(value: unknown): Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Schema)
    : {};
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** The strings of an array, such as `required`; empty when it is not one. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}
