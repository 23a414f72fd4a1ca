import type { JsonSchema } from "../contract/representation.ts";

export type { JsonSchema };

/**
 * A JSON object: not null, not an array.
 *
 * @example isObject({ a: 1 }) // true; isObject([1]) // false
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Compares JSON values, which enumerations and `const` allow to be anything.
 *
 * @example sameValue({ a: [1] }, { a: [1] }) // true
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An identifier made readable: "dateOfBirth", "date_of_birth" or "date-of-birth" →
 * "Date of birth". Anything else ("USA", "iOS", "Dr. No") is someone's spelling and
 * stays as it is.
 *
 * @example readable("postalCode") // "Postal code"
 */
export function readable(name: string): string {
  const camel = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)*$/;
  const separated = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
  if (!camel.test(name) && !separated.test(name)) return name;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[-_]/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A property name as a JSON Pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerToken(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Follows a local `$ref` ("#/$defs/date"); other references are left as they are. */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const token of ref.slice(2).split("/")) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = isObject(target) ? target[key] : undefined;
  }
  if (!isObject(target)) return schema;
  const { $ref: _ref, ...rest } = schema;
  return { ...target, ...rest };
}

/** The value as a schema, `{}` (anything) when it is not an object. */
export function objectOf(value: unknown): JsonSchema {
  return isObject(value) ? value : {};
}

/** The strings of a list, nothing for anything else. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** A finite number, or undefined. */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The members of `oneOf` (else `anyOf`), resolved; undefined when there is neither. */
export function membersOf(schema: JsonSchema, root: JsonSchema): JsonSchema[] | undefined {
  const members = Array.isArray(schema.oneOf) ? schema.oneOf : schema.anyOf;
  return Array.isArray(members)
    ? members.map((member) => resolve(objectOf(member), root))
    : undefined;
}

/** Whether the schema allows only null. */
export function isNull(schema: JsonSchema): boolean {
  return schema.type === "null" || (schema.const === null && schema.type === undefined);
}

/** Whether the schema allows null besides its other values (`type: [X, "null"]`). */
export function allowsNull(schema: JsonSchema): boolean {
  return Array.isArray(schema.type) && schema.type.includes("null");
}

/** The schema's type, ignoring "null" in a type list. */
export function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  const types = strings(schema.type).filter((type) => type !== "null");
  return types.length === 1 ? types[0] : undefined;
}
