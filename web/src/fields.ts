import type { JsonSchema } from "./api.ts";

/** How a field is edited. */
export type Control =
  | "text"
  | "textarea"
  | "email"
  | "url"
  | "date"
  | "number"
  | "checkbox"
  | "radios"
  | "select"
  | "group"
  | "unsupported";

/** One allowed value of an enumeration, with what the person reads. */
export interface Choice {
  value: unknown;
  label: string;
}

/** A form field read from a JSON Schema property. */
export interface Field {
  /** The property name: the input's `name`. */
  name: string;
  /** JSON Pointer from the step data, as in a 422's `errors[].path`. */
  path: string;
  label: string;
  hint: string | undefined;
  required: boolean;
  control: Control;
  choices: readonly Choice[];
  /** The fields of a nested object (`control: "group"`). */
  children: readonly Field[];
  integer: boolean;
  minimum: number | undefined;
  maximum: number | undefined;
  maxLength: number | undefined;
  autocomplete: string | undefined;
}

/** Enumerations this short are radio buttons; longer ones are a select. */
const maxRadios = 5;
/** Strings allowed to be longer than this get a multi-line box. */
const textareaFrom = 500;

/** What browsers can fill in for common field names (keys without case or separators). */
const autocompleteByName: Readonly<Record<string, string>> = {
  name: "name",
  fullname: "name",
  firstname: "given-name",
  givenname: "given-name",
  lastname: "family-name",
  familyname: "family-name",
  surname: "family-name",
  email: "email",
  phone: "tel",
  telephone: "tel",
  dateofbirth: "bday",
  birthdate: "bday",
  company: "organization",
  companyname: "organization",
  organization: "organization",
  jobtitle: "organization-title",
  country: "country-name",
  city: "address-level2",
  postalcode: "postal-code",
  zip: "postal-code",
};

/**
 * The fields of an object schema, in property order. Labels come from each property's
 * `title`, hints from its `description`, choice labels from `oneOf`/`anyOf` members'
 * `title`; without them, a readable form of the name or value.
 *
 * @example fieldsOf({ type: "object", properties: { email: { type: "string", format: "email" } } })
 * // [{ name: "email", path: "/email", label: "Email", control: "email", … }]
 */
export function fieldsOf(schema: JsonSchema, path = "", root: JsonSchema = schema): Field[] {
  const required = new Set(strings(schema.required));
  return Object.entries(objectOf(schema.properties)).map(([name, property]) =>
    fieldOf(name, nonNull(resolve(objectOf(property), root), root), required.has(name), path, root),
  );
}

function fieldOf(
  name: string,
  schema: JsonSchema,
  required: boolean,
  parentPath: string,
  root: JsonSchema,
): Field {
  const type = typeOf(schema);
  const choices = choicesOf(schema, root);
  const path = `${parentPath}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
  const field: Field = {
    name,
    path,
    label: typeof schema.title === "string" ? schema.title : readable(name),
    hint: typeof schema.description === "string" ? schema.description : undefined,
    required,
    control: "unsupported",
    choices: [],
    children: [],
    integer: type === "integer",
    minimum: bound(schema.minimum, schema.exclusiveMinimum, type === "integer" ? 1 : 0),
    maximum: bound(schema.maximum, schema.exclusiveMaximum, type === "integer" ? -1 : 0),
    maxLength: numberOf(schema.maxLength),
    autocomplete: autocompleteByName[name.replace(/[-_]/g, "").toLowerCase()],
  };
  if (type === "boolean" || schema.const === true) return { ...field, control: "checkbox" };
  if (choices)
    return { ...field, control: choices.length <= maxRadios ? "radios" : "select", choices };
  if (type === "object")
    return { ...field, control: "group", children: fieldsOf(schema, path, root) };
  if (type === "number" || type === "integer") return { ...field, control: "number" };
  if (type !== "string") return field;
  if (schema.format === "email") return { ...field, control: "email" };
  if (schema.format === "date") return { ...field, control: "date" };
  if (schema.format === "uri") return { ...field, control: "url" };
  const long = field.maxLength !== undefined && field.maxLength > textareaFrom;
  return { ...field, control: long ? "textarea" : "text" };
}

/** Compares enumeration values, which JSON Schema allows to be any JSON value. */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An identifier made readable: "dateOfBirth", "date_of_birth" or "date-of-birth" →
 * "Date of birth". Anything else ("USA", "iOS", "Dr. No") is someone's spelling and
 * stays as it is.
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

function choicesOf(schema: JsonSchema, root: JsonSchema): Choice[] | undefined {
  if (Array.isArray(schema.enum)) {
    return schema.enum
      .filter((value) => value !== null)
      .map((value) => ({
        value,
        label: typeof value === "string" ? readable(value) : String(value),
      }));
  }
  const members = Array.isArray(schema.oneOf) ? schema.oneOf : schema.anyOf;
  if (!Array.isArray(members)) return undefined;
  // A nullable enumeration is the choices plus `{ type: "null" }`: empty means absent here.
  const options = members
    .map((member) => resolve(objectOf(member), root))
    .filter((option) => option.type !== "null");
  if (options.length === 0) return undefined;
  if (!options.every((option) => "const" in option)) return undefined;
  return options
    .filter((option) => option.const !== null)
    .map((option) => ({
      value: option.const,
      label: typeof option.title === "string" ? option.title : readable(String(option.const)),
    }));
}

/**
 * `anyOf: [X, { type: "null" }]` (a nullable X) read as X with the outer title and
 * description: an empty field is sent as absent, never as null.
 */
function nonNull(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const members = Array.isArray(schema.anyOf) ? schema.anyOf : schema.oneOf;
  if (!Array.isArray(members)) return schema;
  const rest = members
    .map((member) => resolve(objectOf(member), root))
    .filter((member) => member.type !== "null");
  const only = rest[0];
  const nullable = rest.length === 1 && rest.length < members.length;
  // A lone `const` stays a choice of one, for choicesOf.
  if (!nullable || only === undefined || "const" in only) return schema;
  const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = schema;
  return { ...only, ...outer };
}

/** The schema's type, ignoring "null" in a type list (an empty field is sent as absent). */
function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  return strings(schema.type).find((type) => type !== "null");
}

/** Follows a local `$ref` ("#/$defs/date"); other references are left as they are. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const token of ref.slice(2).split("/")) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = isObject(target) ? target[key] : undefined;
  }
  return isObject(target) ? { ...target, ...schema, $ref: undefined } : schema;
}

function objectOf(value: unknown): JsonSchema {
  return isObject(value) ? value : {};
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/**
 * An inclusive bound for a number input: `inclusive` as given, else the exclusive one
 * nudged by `step` for integers (a browser has no exclusive bounds; the server decides).
 */
function bound(inclusive: unknown, exclusive: unknown, step: number): number | undefined {
  const given = numberOf(inclusive);
  if (given !== undefined) return given;
  const open = numberOf(exclusive);
  return open === undefined ? undefined : open + step;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
