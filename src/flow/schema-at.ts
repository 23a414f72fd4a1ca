import { isPlainObject } from "./json.ts";
import { asSchema, resolve, type Schema, stringsOf, typesOf } from "./schema-keywords.ts";

/**
 * What a step's JSON Schema says about one place in its data: the sub-schemas that may
 * describe it (more than one where a union's variant cannot be told), and whether the
 * object holding it lists it as `required`.
 */
export interface SchemaPlace {
  schemas: readonly Schema[];
  required: boolean;
}

/**
 * The sub-schemas at `keys` in `data`, walking `properties`, `additionalProperties`,
 * `prefixItems`, `items`, local `$ref`s, `allOf`, and `anyOf`/`oneOf` (a discriminated
 * union's variant is picked by the value of its tag in `data`, when there is one).
 *
 * @example schemaAt(step.jsonSchema, ["items", 0, "sku"], data).schemas[0]?.title // "SKU"
 */
export function schemaAt(root: Schema, keys: readonly PropertyKey[], data: unknown): SchemaPlace {
  let schemas: Schema[] = [resolve(root, root)];
  let value = data;
  let required = false;
  for (const raw of keys) {
    const key = String(raw);
    const parents = schemas.flatMap((schema) => branches(schema, root, value));
    required = parents.some(
      (parent) =>
        stringsOf(parent.required).includes(key) && Object.hasOwn(asSchema(parent.properties), key),
    );
    schemas = parents.flatMap((parent) => childOf(parent, key)).map((s) => resolve(s, root));
    value = isPlainObject(value) || Array.isArray(value) ? (value as never)[key] : undefined;
  }
  return { schemas, required };
}

/**
 * Whether a field is answered by choosing rather than typing: an enum, a `const`, a
 * boolean, a choice between variants, or a list of such.
 *
 * @example isChoice([{ type: "string", enum: ["employee", "contractor"] }]) // true
 */
export function isChoice(schemas: readonly Schema[], root: Schema, depth = 0): boolean {
  if (depth > 16) return false;
  return schemas.some((schema) => {
    if (Object.hasOwn(schema, "const") || Array.isArray(schema.enum)) return true;
    if (typesOf(schema)?.includes("boolean")) return true;
    const variants = schema.anyOf ?? schema.oneOf;
    if (Array.isArray(variants)) {
      // A nullable field is a union with null: what it takes besides null decides.
      const others = variants.filter((variant) => asSchema(variant).type !== "null");
      const [only] = others;
      return (
        others.length > 1 ||
        (only !== undefined && isChoice([resolve(only, root)], root, depth + 1))
      );
    }
    return (
      typesOf(schema)?.includes("array") === true &&
      isChoice([resolve(schema.items, root)], root, depth + 1)
    );
  });
}

/**
 * Whether a field takes text: `type` says string, or its `const`/`enum` values are text.
 * @example isText([{ type: "string", minLength: 1 }], root) // true
 */
export function isText(schemas: readonly Schema[], root: Schema, depth = 0): boolean {
  if (depth > 16) return false;
  return schemas.some((schema) => {
    const types = typesOf(schema);
    if (types !== undefined) return types.includes("string");
    if (Object.hasOwn(schema, "const")) return typeof schema.const === "string";
    if (Array.isArray(schema.enum)) return schema.enum.some((value) => typeof value === "string");
    const union = schema.anyOf ?? schema.oneOf;
    return (
      Array.isArray(union) &&
      isText(
        union.map((variant) => resolve(variant, root)),
        root,
        depth + 1,
      )
    );
  });
}

/**
 * The name a message gives a field: its JSON Schema `title`, else a readable form of its
 * key (`dateOfBirth` → "date of birth"; a row number names its list).
 *
 * @example fieldLabel([], ["items", 0, "unitPrice"]) // "unit price"
 */
export function fieldLabel(schemas: readonly Schema[], keys: readonly PropertyKey[]): string {
  const title = schemas.find((schema) => typeof schema.title === "string")?.title;
  if (typeof title === "string" && title.trim() !== "") return title;
  const key = [...keys].reverse().find((segment) => !/^\d+$/.test(String(segment)));
  return readableKey(String(key ?? ""));
}

/** `dateOfBirth`, `date_of_birth`, `date-of-birth` → "date of birth"; acronyms kept. */
function readableKey(key: string): string {
  return key
    .replace(/([\p{Ll}\d])(\p{Lu})/gu, "$1 $2")
    .replace(/[_-]+/g, " ")
    .split(" ")
    .map((word) => (/^\p{Lu}[\p{Ll}\d]*$/u.test(word) ? word.toLowerCase() : word))
    .join(" ")
    .trim();
}

/** The schemas a value may match: itself, `allOf`'s parts, a union's variants (narrowed by a tag). */
function branches(schema: Schema, root: Schema, value: unknown, depth = 0): Schema[] {
  if (depth > 16) return [schema];
  const parts = Array.isArray(schema.allOf) ? schema.allOf.map((part) => resolve(part, root)) : [];
  const union = schema.anyOf ?? schema.oneOf;
  const variants = Array.isArray(union) ? union.map((variant) => resolve(variant, root)) : [];
  return [
    schema,
    ...[...parts, ...picked(variants, value)].flatMap((part) =>
      branches(part, root, value, depth + 1),
    ),
  ];
}

/**
 * A discriminated union's variant for `value`: the one whose tag (a property every
 * variant fixes with `const`) equals the value's; every variant when none does.
 */
function picked(variants: readonly Schema[], value: unknown): readonly Schema[] {
  if (!isPlainObject(value)) return variants;
  const first = asSchema(variants[0]?.properties);
  const tags = Object.keys(first).filter((key) =>
    variants.every((variant) =>
      Object.hasOwn(asSchema(asSchema(variant.properties)[key]), "const"),
    ),
  );
  for (const tag of tags) {
    const match = variants.filter(
      (variant) => asSchema(asSchema(variant.properties)[tag]).const === value[tag],
    );
    if (match.length === 1) return match;
  }
  return variants;
}

function childOf(parent: Schema, key: string): unknown[] {
  const properties = asSchema(parent.properties);
  if (Object.hasOwn(properties, key)) return [properties[key]];
  if (/^\d+$/.test(key)) {
    const prefix = Array.isArray(parent.prefixItems) ? parent.prefixItems : [];
    const index = Number(key);
    if (index < prefix.length) return [prefix[index]];
    if (parent.items !== undefined && parent.items !== false) return [parent.items];
  }
  const extra = parent.additionalProperties;
  return typeof extra === "object" && extra !== null ? [extra] : [];
}
