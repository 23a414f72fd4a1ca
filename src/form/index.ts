/*
 * The form model: a step's JSON Schema read as fields to edit, shared by the web wizard
 * (which renders them) and the server (which reports, at start-up, what they cannot
 * edit). Pure: no DOM, nothing server-side.
 */
export { type Choice, type Control, type Field, fieldsOf, formOf, type Variant } from "./fields.ts";
export { isObject, type JsonSchema, readable, sameValue } from "./schema.ts";
export { type FormDefinition, type UnsupportedField, unsupportedFields } from "./unsupported.ts";
export { variantOf } from "./variant.ts";
