import { autocompleteOf } from "./autocomplete.ts";
import {
  allowsNull,
  isNull,
  isObject,
  type JsonSchema,
  membersOf,
  numberOf,
  objectOf,
  pointerToken,
  readable,
  resolve,
  strings,
  typeOf,
} from "./schema.ts";

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
  | "list"
  | "variants"
  | "unsupported";

/** One allowed value of an enumeration, with what the person reads. */
export interface Choice {
  value: unknown;
  label: string;
}

/** One member of a `oneOf`/`anyOf` of objects: a form of its own, chosen first. */
export interface Variant {
  /** The member's `title`, else a readable form of its discriminator value, else undefined. */
  label: string | undefined;
  /** The discriminator's value (its `const`), sent with the variant's fields. */
  tag: unknown;
  /** The variant's fields, without the discriminator. */
  fields: readonly Field[];
}

/** A form field read from a JSON Schema property, a list's row, or a whole step. */
export interface Field {
  /** The property name: the input's `name`; "" for a step or a list's row. */
  name: string;
  /**
   * JSON Pointer from the step data, as in a 422's `errors[].path`. Within a list's rows
   * the row's index is `-` (any row): `/items/-/qty`.
   */
  path: string;
  /** The schema's `title`, else a readable form of the name; "" for an untitled row or step. */
  label: string;
  hint: string | undefined;
  required: boolean;
  /** The schema allows null: an empty required field is sent as null. */
  nullable: boolean;
  control: Control;
  /**
   * The allowed values of an enumeration; for a checkbox, only `true` when it must be
   * ticked (`const: true`), else none.
   */
  choices: readonly Choice[];
  /** The fields of a nested object (`control: "group"`). */
  children: readonly Field[];
  /** A list's row (`control: "list"`). */
  item: Field | undefined;
  /** A list's bounds in rows: `minItems` (0 without one) and `maxItems`. */
  minItems: number;
  maxItems: number | undefined;
  /** The choices of a `oneOf`/`anyOf` of objects (`control: "variants"`). */
  variants: readonly Variant[];
  /** The property whose `const` tells the variants apart, if there is one. */
  discriminator: string | undefined;
  integer: boolean;
  minimum: number | undefined;
  maximum: number | undefined;
  maxLength: number | undefined;
  autocomplete: string | undefined;
  /** Why the form cannot edit this field (`control: "unsupported"`). */
  unsupported: string | undefined;
}

/** A checkbox's one allowed value when it must be ticked. */
const onlyTrue: Choice = { value: true, label: "" };

/** Enumerations this short are radio buttons; longer ones are a select. */
const maxRadios = 5;
/** Strings allowed to be longer than this get a multi-line box. */
const textareaFrom = 500;

/**
 * A step's whole form: a group of the object's properties, or, for a step whose schema is
 * a `oneOf`/`anyOf` of objects (a discriminated union), the choice between them. Its
 * path is "" (the step data itself).
 *
 * @example formOf(z.toJSONSchema(z.discriminatedUnion("method", [card, invoice]))).control // "variants"
 */
export function formOf(schema: JsonSchema): Field {
  return fieldAt("", "", schema, true, schema);
}

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
    fieldAt(name, `${path}/${pointerToken(name)}`, objectOf(property), required.has(name), root),
  );
}

function fieldAt(
  name: string,
  path: string,
  given: JsonSchema,
  required: boolean,
  root: JsonSchema,
): Field {
  const { schema, nullable } = nonNull(resolve(given, root), root);
  const type = typeOf(schema);
  const field: Field = {
    name,
    path,
    label: typeof schema.title === "string" ? schema.title : readable(name),
    hint: typeof schema.description === "string" ? schema.description : undefined,
    required,
    nullable,
    control: "unsupported",
    choices: [],
    children: [],
    item: undefined,
    minItems: numberOf(schema.minItems) ?? 0,
    maxItems: numberOf(schema.maxItems),
    variants: [],
    discriminator: undefined,
    integer: type === "integer",
    minimum: bound(schema.minimum, schema.exclusiveMinimum, type === "integer" ? 1 : 0),
    maximum: bound(schema.maximum, schema.exclusiveMaximum, type === "integer" ? -1 : 0),
    maxLength: numberOf(schema.maxLength),
    autocomplete: autocompleteOf(name),
    unsupported: undefined,
  };
  const unsupported = (reason: string): Field => ({ ...field, unsupported: reason });
  if (typeof schema.$ref === "string")
    return unsupported(`a reference the form cannot follow (${schema.$ref})`);
  if (Array.isArray(schema.allOf)) return unsupported("a combination of schemas (allOf)");
  if (schema.const === true) return { ...field, control: "checkbox", choices: [onlyTrue] };
  if (type === "boolean") return { ...field, control: "checkbox" };
  const choices = choicesOf(schema, root);
  if (choices) {
    return { ...field, control: choices.length <= maxRadios ? "radios" : "select", choices };
  }
  const members = membersOf(schema, root)?.filter((member) => !isNull(member));
  if (members)
    return (
      variantsField(field, members, root) ??
      unsupported("a choice between values of different kinds")
    );
  if (type === "object" || (type === undefined && isObject(schema.properties))) {
    if (!isObject(schema.properties) && isObject(schema.additionalProperties)) {
      return unsupported("an object with free-form keys (additionalProperties)");
    }
    return { ...field, control: "group", children: fieldsOf(schema, path, root) };
  }
  if (type === "array") return listField(field, schema, root);
  if (type === "number" || type === "integer") return { ...field, control: "number" };
  if (type !== "string") {
    if (type !== undefined) return unsupported(`the type "${type}"`);
    return unsupported(
      Array.isArray(schema.type) ? "a choice between values of different kinds" : "no type",
    );
  }
  if (schema.format === "email") return { ...field, control: "email" };
  if (schema.format === "date") return { ...field, control: "date" };
  if (schema.format === "uri") return { ...field, control: "url" };
  const long = field.maxLength !== undefined && field.maxLength > textareaFrom;
  return { ...field, control: long ? "textarea" : "text" };
}

/** Rows of one schema; a tuple (`prefixItems`) or rows the form cannot edit are unsupported. */
function listField(field: Field, schema: JsonSchema, root: JsonSchema): Field {
  if (Array.isArray(schema.prefixItems)) {
    return { ...field, unsupported: "a list whose positions differ (prefixItems)" };
  }
  if (!isObject(schema.items)) return { ...field, unsupported: "a list without an items schema" };
  const item = fieldAt("", `${field.path}/-`, schema.items, true, root);
  const titled = isObject(schema.items) && typeof resolve(schema.items, root).title === "string";
  const row = { ...item, label: titled ? item.label : "" };
  if (row.control === "unsupported") {
    return { ...field, unsupported: `rows the form cannot edit: ${row.unsupported}` };
  }
  return { ...field, control: "list", item: row };
}

/** A `oneOf`/`anyOf` of objects, told apart by a `const` property when they all have one. */
function variantsField(field: Field, members: JsonSchema[], root: JsonSchema): Field | undefined {
  const objects = members.every(
    (member) => typeOf(member) === "object" || isObject(member.properties),
  );
  if (!objects || members.length === 0) return undefined;
  const discriminator = discriminatorOf(members, root);
  const variants = members.map((member): Variant => {
    const property = discriminator === undefined ? {} : constOf(member, discriminator, root);
    const tag = property.const;
    return {
      label:
        typeof member.title === "string"
          ? member.title
          : tag === undefined
            ? undefined
            : readable(String(tag)),
      tag,
      fields: fieldsOf(member, field.path, root).filter((child) => child.name !== discriminator),
    };
  });
  return { ...field, control: "variants", variants, discriminator };
}

/** The property every member fixes to a different `const`, if there is one. */
function discriminatorOf(members: JsonSchema[], root: JsonSchema): string | undefined {
  const first = members[0];
  if (!first) return undefined;
  return Object.keys(objectOf(first.properties)).find((name) => {
    const tags = members.map((member) => constOf(member, name, root));
    const values = tags.map((tag) => JSON.stringify(tag.const));
    return tags.every((tag) => "const" in tag) && new Set(values).size === members.length;
  });
}

function constOf(member: JsonSchema, name: string, root: JsonSchema): JsonSchema {
  const property = resolve(objectOf(objectOf(member.properties)[name]), root);
  if ("const" in property) return property;
  const values = Array.isArray(property.enum) ? property.enum : [];
  return values.length === 1 ? { const: values[0] } : property;
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
  const options = membersOf(schema, root)?.filter((option) => !isNull(option));
  if (!options || options.length === 0) return undefined;
  if (!options.every((option) => "const" in option)) return undefined;
  return options.map((option) => ({
    value: option.const,
    label: typeof option.title === "string" ? option.title : readable(String(option.const)),
  }));
}

/**
 * The schema without its null: `anyOf: [X, { type: "null" }]` read as X with the outer
 * title and description, `type: [X, "null"]` as X, and whether null was allowed.
 */
function nonNull(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const enumNull = Array.isArray(schema.enum) && schema.enum.includes(null);
  const members = membersOf(schema, root);
  if (!members) return { schema, nullable: allowsNull(schema) || enumNull };
  const rest = members.filter((member) => !isNull(member));
  const nullable = rest.length < members.length;
  const only = rest[0];
  // A lone `const` stays a choice of one, for choicesOf.
  if (!nullable || rest.length !== 1 || only === undefined || "const" in only) {
    return { schema, nullable };
  }
  const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = schema;
  return { schema: { ...only, ...outer }, nullable };
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
