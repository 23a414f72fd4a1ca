import { canonicalJson as canonical } from "./json.ts";
import {
  type Add,
  admitsUnknownFields,
  asSchema,
  compareLimits,
  compareTypes,
  compareValues,
  normalize,
  resolve,
  type Schema,
  stringsOf,
  typesOf,
  variantsOf,
} from "./schema-keywords.ts";
import type { JsonSchema } from "./types.ts";

/**
 * What changed at one place of a step's JSON Schema. `-narrowed`, `-changed`, `-removed`
 * (of a value or variant) and `-closed` may refuse data that was saved before; the rest
 * accept all of it. `field-added` and `field-removed` depend on the object: see
 * {@link SchemaChange.breaking}.
 */
export type SchemaChangeKind =
  | "field-added"
  | "field-removed"
  | "field-required"
  | "field-optional"
  | "type-narrowed"
  | "type-widened"
  | "type-changed"
  | "limit-narrowed"
  | "limit-widened"
  | "limit-changed"
  | "enum-value-removed"
  | "enum-value-added"
  | "object-closed"
  | "object-opened"
  | "variant-removed"
  | "variant-added"
  | "rule-changed";

/**
 * One difference between two JSON Schemas of a step.
 *
 * @example
 * { kind: "limit-narrowed", path: "/name", keyword: "maxLength", from: 200, to: 100, breaking: true }
 */
export interface SchemaChange {
  readonly kind: SchemaChangeKind;
  /**
   * The field, as a JSON Pointer into the step's data: `""` is the whole step,
   * `/address/city` a nested field. A `*` token stands for every item of an array or
   * every value of a map (`/tags/*`), and paths go on through it into nested fields.
   */
  readonly path: string;
  /** The JSON Schema keyword that changed (`maxLength`, `enum`, `additionalProperties`…), if one did. */
  readonly keyword: string | null;
  /** What it was: a keyword's value, `"required"` or `"optional"` for a field; null when absent. */
  readonly from: unknown;
  /** What it is now, in the same terms; null when absent. */
  readonly to: unknown;
  /** True when data valid before may not be valid now. */
  readonly breaking: boolean;
}

interface Walk {
  readonly oldRoot: Schema;
  readonly newRoot: Schema;
  /** `$ref` pairs already compared: recursive schemas would otherwise never end. */
  readonly seen: Set<string>;
  readonly changes: SchemaChange[];
}

const narrowingKinds = new Set<SchemaChangeKind>([
  "field-required",
  "type-narrowed",
  "type-changed",
  "limit-narrowed",
  "limit-changed",
  "enum-value-removed",
  "object-closed",
  "variant-removed",
  "rule-changed",
]);
/** Keywords compared as a whole: any change is taken as breaking. */
const opaque = [
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "patternProperties",
  "propertyNames",
  "contains",
  "unevaluatedItems",
  "$ref",
];

/**
 * The differences between two JSON Schemas of one step, field by field: what a record
 * saved under `oldSchema` meets under `newSchema`. Local `$ref`s are followed; nullable
 * `anyOf`s (`{ anyOf: [X, { type: "null" }] }`) read as X with `null` in its types.
 *
 * @example
 * diffSchemas(
 *   { type: "object", properties: { name: { type: "string", maxLength: 200 } } },
 *   { type: "object", properties: { name: { type: "string", maxLength: 100 } } },
 * ) // [{ kind: "limit-narrowed", path: "/name", keyword: "maxLength", from: 200, to: 100, breaking: true }]
 */
export function diffSchemas(oldSchema: JsonSchema, newSchema: JsonSchema): SchemaChange[] {
  const walk: Walk = { oldRoot: oldSchema, newRoot: newSchema, seen: new Set(), changes: [] };
  compare(walk, oldSchema, newSchema, "");
  return walk.changes;
}

function compare(walk: Walk, oldRaw: unknown, newRaw: unknown, path: string): void {
  if (typeof asSchema(oldRaw).$ref === "string" || typeof asSchema(newRaw).$ref === "string") {
    const pair = `${String(asSchema(oldRaw).$ref)}\n${String(asSchema(newRaw).$ref)}`;
    if (walk.seen.has(pair)) return;
    walk.seen.add(pair);
  }
  const before = normalize(resolve(oldRaw, walk.oldRoot), walk.oldRoot);
  const after = normalize(resolve(newRaw, walk.newRoot), walk.newRoot);
  const add = (kind: SchemaChangeKind, keyword: string | null, from: unknown, to: unknown) =>
    walk.changes.push({ kind, path, keyword, from, to, breaking: narrowingKinds.has(kind) });
  if (variantsOf(before) || variantsOf(after)) {
    compareVariants(walk, before, after, path);
    return;
  }
  const types = compareTypes(typesOf(before), typesOf(after));
  if (types !== "same") add(`type-${types}`, "type", before.type ?? null, after.type ?? null);
  if (types === "changed") return;
  compareValues(before, after, add);
  compareLimits(before, after, add);
  compareObjects(walk, before, after, path, add);
  compareArrays(walk, before, after, path, add);
  for (const keyword of opaque) {
    if (canonical(before[keyword]) !== canonical(after[keyword])) {
      add("rule-changed", keyword, before[keyword] ?? null, after[keyword] ?? null);
    }
  }
}

function compareObjects(walk: Walk, before: Schema, after: Schema, path: string, add: Add): void {
  const oldProperties = asSchema(before.properties);
  const newProperties = asSchema(after.properties);
  const oldRequired = new Set(stringsOf(before.required));
  const newRequired = new Set(stringsOf(after.required));
  const names = new Set([
    ...Object.keys(oldProperties),
    ...oldRequired,
    ...Object.keys(newProperties),
    ...newRequired,
  ]);
  for (const name of names) {
    const field = `${path}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    const inOld = Object.hasOwn(oldProperties, name) || oldRequired.has(name);
    const inNew = Object.hasOwn(newProperties, name) || newRequired.has(name);
    const was = oldRequired.has(name) ? "required" : "optional";
    const now = newRequired.has(name) ? "required" : "optional";
    const push = (kind: SchemaChangeKind, breaking: boolean, from: unknown, to: unknown) =>
      walk.changes.push({ kind, path: field, keyword: null, from, to, breaking });
    if (!inOld) push("field-added", now === "required", null, now);
    else if (!inNew) push("field-removed", !admitsUnknownFields(after), was, null);
    else {
      if (was !== now) push(`field-${now}`, now === "required", was, now);
      compare(walk, oldProperties[name] ?? {}, newProperties[name] ?? {}, field);
    }
  }
  const closedBy = (schema: Schema) =>
    schema.additionalProperties === false
      ? "additionalProperties"
      : schema.unevaluatedProperties === false
        ? "unevaluatedProperties"
        : undefined;
  const keyword = closedBy(after) ?? closedBy(before);
  if (keyword && closedBy(before) !== closedBy(after)) {
    const kind = closedBy(after) ? "object-closed" : "object-opened";
    add(kind, keyword, before[keyword] ?? null, after[keyword] ?? null);
  } else if (
    !keyword &&
    (before.additionalProperties ?? after.additionalProperties) !== undefined
  ) {
    // A map's values (z.record), or what a loose object takes besides its properties.
    compare(walk, before.additionalProperties ?? {}, after.additionalProperties ?? {}, `${path}/*`);
  }
}

function compareArrays(walk: Walk, before: Schema, after: Schema, path: string, add: Add): void {
  const oldTuple = Array.isArray(before.prefixItems) ? before.prefixItems : [];
  const newTuple = Array.isArray(after.prefixItems) ? after.prefixItems : [];
  for (let index = 0; index < Math.max(oldTuple.length, newTuple.length); index++) {
    const was = oldTuple[index] ?? before.items ?? {};
    const now = newTuple[index] ?? after.items ?? {};
    // A tuple grown or shrunk: minItems and maxItems say so.
    if (was !== false && now !== false) compare(walk, was, now, `${path}/${index}`);
  }
  if (before.items === undefined && after.items === undefined) return;
  if ((before.items === false) !== (after.items === false)) {
    add(
      after.items === false ? "limit-narrowed" : "limit-widened",
      "items",
      before.items ?? null,
      after.items ?? null,
    );
  } else if (after.items !== false) {
    compare(walk, before.items ?? {}, after.items ?? {}, `${path}/*`);
  }
}

/** `anyOf`/`oneOf`: variants paired by discriminator, constant or type, then compared. */
function compareVariants(walk: Walk, before: Schema, after: Schema, path: string): void {
  const keyword = variantsOf(after)
    ? after.oneOf
      ? "oneOf"
      : "anyOf"
    : before.oneOf
      ? "oneOf"
      : "anyOf";
  const oldVariants = keyed(variantsOf(before) ?? [before], walk.oldRoot);
  const newVariants = keyed(variantsOf(after) ?? [after], walk.newRoot);
  const push = (kind: SchemaChangeKind, from: unknown, to: unknown) =>
    walk.changes.push({ kind, path, keyword, from, to, breaking: narrowingKinds.has(kind) });
  for (const [key, variant] of oldVariants) {
    const match = newVariants.get(key);
    if (match === undefined) push("variant-removed", variant, null);
    else compare(walk, variant, match, path);
  }
  for (const [key, variant] of newVariants) {
    if (!oldVariants.has(key)) push("variant-added", null, variant);
  }
}

/** Variants by a key that survives edits inside them; canonical JSON where keys collide. */
function keyed(variants: readonly unknown[], root: Schema): Map<string, unknown> {
  const keys = variants.map((variant) => variantKey(normalize(resolve(variant, root), root)));
  const byKey = new Map<string, unknown>();
  variants.forEach((variant, index) => {
    const key = keys[index] ?? "";
    const unique = keys.indexOf(key) === keys.lastIndexOf(key);
    byKey.set(unique ? key : canonical(variant), variant);
  });
  return byKey;
}

function variantKey(variant: Schema): string {
  const discriminators = Object.entries(asSchema(variant.properties))
    .filter(([, property]) => Object.hasOwn(asSchema(property), "const"))
    .map(([name, property]) => `${name}=${canonical(asSchema(property).const)}`)
    .sort();
  if (discriminators.length > 0) return `object:${discriminators.join("&")}`;
  if (Object.hasOwn(variant, "const")) return `const:${canonical(variant.const)}`;
  if (variant.type !== undefined) return `type:${canonical(variant.type)}`;
  return canonical(variant);
}
