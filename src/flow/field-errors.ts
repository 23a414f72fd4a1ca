import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { FieldError, FieldErrorCode } from "../contract/problem.ts";
import { builtInMessage } from "../i18n/field-messages.ts";
import {
  type ClassifiedIssue,
  classifyIssue,
  type FieldErrorParams,
  isFieldErrorCode,
  isLibraryDefault,
} from "./issues.ts";
import { isPlainObject, pointer } from "./json.ts";
import { flowText } from "./messages.ts";
import { fieldLabel, isChoice, isText, type SchemaPlace, schemaAt } from "./schema-at.ts";
import { resolve, type Schema } from "./schema-keywords.ts";
import type { FlowDefinition, JsonSchema } from "./types.ts";

/** What turning a schema's issues into field errors needs to know. */
export interface IssueContext {
  /** The flow, for translations of its own texts. */
  definition: Pick<FlowDefinition, "name" | "messages">;
  /** The step's JSON Schema: labels, choices, and which fields are required. */
  jsonSchema: JsonSchema;
  /** The submitted step data. */
  input: Readonly<Record<string, unknown>>;
  locale: string;
  /**
   * Validates other data against the step's schema: its issues, none when it passes.
   * Used only to find the author's message for an empty answer, so what it throws is
   * ignored: a refinement that cannot take `""` does not turn a 422 into a 500.
   */
  validate(data: unknown): Promise<readonly StandardSchemaV1.Issue[] | undefined>;
}

/**
 * The field errors for a schema's issues, each with a code, params and a message in
 * `locale`. A library's default text is replaced by Waymark's own; the author's texts
 * are kept, translated by the flow's `messages`.
 *
 * A field with no value (absent, or only whitespace where the JSON Schema requires it)
 * is `required`, whatever the issue said, once per field. Its message is the first of:
 * the author's message for an empty answer where it is a minimum-length rule of 1
 * (`min(1, "Enter a name")`), found by validating once more with `""` in each absent
 * text field; the issue's own author message (`z.string({ error: "Enter your name" })`);
 * any other author message for an empty answer; "Enter {label}" / "Choose {label}".
 *
 * @example
 * // name: z.string().trim().min(1, "Enter a name"), submitted as {}
 * await schemaFieldErrors(issues, { definition, jsonSchema, input: {}, locale: "en", validate })
 * // [{ path: "/name", code: "required", params: {}, message: "Enter a name" }]
 */
export async function schemaFieldErrors(
  issues: readonly StandardSchemaV1.Issue[],
  context: IssueContext,
): Promise<FieldError[]> {
  const { jsonSchema: root, input } = context;
  const found = issues.flatMap(classifyIssue).map((issue) => {
    const value = valueAt(input, issue.keys);
    const place = schemaAt(root, issue.keys, input);
    const blank = typeof value === "string" && value.trim() === "" && place.required;
    return { issue, value, place, missing: value === undefined || blank };
  });
  const filled = found.filter(
    ({ missing, value, place, issue }) =>
      missing && value === undefined && isText(place.schemas, root) && hasParent(input, issue.keys),
  );
  const empty =
    filled.length > 0
      ? await emptyAnswerIssues(
          context,
          filled.map(({ issue }) => issue.keys),
        )
      : [];
  const reported = new Set<string>();
  const errors: FieldError[] = [];
  for (const { issue, value, place, missing } of found) {
    const path = pointer(issue.keys);
    if (missing) {
      if (reported.has(path)) continue;
      reported.add(path);
      const answers = value === undefined ? empty : found.map((entry) => entry.issue);
      const message = missingMessage(issue, answers, place, context);
      errors.push({ path, code: "required", params: {}, message });
    } else {
      const refused = asChoice(issue, place, root);
      const params = withValues(refused, place, root);
      errors.push({
        path,
        code: refused.code,
        params,
        message: messageOf(refused, params, context),
      });
    }
  }
  return errors;
}

/**
 * The field errors a flow's own code returned (`check`, `beforeComplete`), completed: a
 * code that is not one of the contract's becomes `custom`, params keep their JSON
 * scalars and lists, and the message is translated by the flow's `messages` (Waymark's
 * own message for the code when it is empty or a library's default text).
 *
 * @example
 * // With messages: { de: { "You must be at least 18 years old": "Sie müssen mindestens 18 Jahre alt sein" } }
 * authoredFieldErrors([{ path: "/dateOfBirth", message: "You must be at least 18 years old" }], flow, "de")
 * // [{ path: "/dateOfBirth", code: "custom", params: {}, message: "Sie müssen mindestens 18 Jahre alt sein" }]
 */
export function authoredFieldErrors(
  errors: readonly FieldError[],
  definition: Pick<FlowDefinition, "name" | "messages">,
  locale: string,
): FieldError[] {
  return errors.map((error) => {
    const code = isFieldErrorCode(error.code) ? error.code : "custom";
    const params = paramsOf(error.params);
    const own = ownText(error.message);
    const label = fieldLabel([], keysOf(error.path));
    return {
      path: error.path,
      code,
      params,
      message:
        own === undefined
          ? builtInMessage(code, params, locale, { label })
          : flowText(definition, locale, own),
    };
  });
}

/**
 * One of Waymark's own field errors (the screening before a schema runs), with its
 * message in `locale`.
 *
 * @example screenedError("/nickname", "unknown_key", {}, "en") // { path: "/nickname", code: "unknown_key", params: {}, message: "Unknown key" }
 */
export function screenedError(
  path: string,
  code: FieldErrorCode,
  params: FieldErrorParams,
  locale: string,
): FieldError {
  return { path, code, params, message: builtInMessage(code, params, locale) };
}

/** The schema's issues for the data with `""` at each place: one more validation. */
async function emptyAnswerIssues(
  context: IssueContext,
  places: readonly (readonly PropertyKey[])[],
): Promise<ClassifiedIssue[]> {
  try {
    const issues = await context.validate(withEmptyText(context.input, places));
    return (issues ?? []).flatMap(classifyIssue);
  } catch {
    return [];
  }
}

function missingMessage(
  issue: ClassifiedIssue,
  answers: readonly ClassifiedIssue[],
  place: SchemaPlace,
  context: IssueContext,
): string {
  const here = answers.filter((answer) => sameKeys(answer.keys, issue.keys));
  const nonEmpty = here.find(
    (answer) =>
      answer.code === "too_small" &&
      answer.params.origin !== "array" &&
      typeof answer.params.minimum === "number" &&
      answer.params.minimum <= (answer.params.inclusive === false ? 0 : 1) &&
      ownText(answer.message) !== undefined,
  );
  const own =
    nonEmpty?.message ??
    ownText(issue.message) ??
    here.map((answer) => ownText(answer.message)).find((text) => text !== undefined);
  if (own !== undefined) return flowText(context.definition, context.locale, own);
  const title = tagLabel(issue.keys, place, context) ?? fieldLabel(place.schemas, issue.keys);
  return builtInMessage("required", {}, context.locale, {
    label: flowText(context.definition, context.locale, title),
    choose: isChoice(place.schemas, context.jsonSchema),
  });
}

/**
 * A discriminated union's tag is not a field the person sees: the choice is the union.
 * A missing tag is named by the union's title, or by the union's own key.
 */
function tagLabel(
  keys: readonly PropertyKey[],
  place: SchemaPlace,
  context: IssueContext,
): string | undefined {
  const tag =
    place.schemas.length > 0 &&
    place.schemas.every((schema) => Object.hasOwn(schema, "const") && schema.title === undefined);
  if (!tag) return undefined;
  const parentKeys = keys.slice(0, -1);
  const parent = schemaAt(context.jsonSchema, parentKeys, context.input);
  const union = parent.schemas.find((schema) => Array.isArray(schema.anyOf ?? schema.oneOf));
  if (!union) return undefined;
  if (typeof union.title === "string" && union.title.trim() !== "") return union.title;
  return parentKeys.length > 0 ? fieldLabel(parent.schemas, parentKeys) : undefined;
}

function messageOf(issue: ClassifiedIssue, params: FieldErrorParams, context: IssueContext) {
  const own = ownText(issue.message);
  return own === undefined
    ? builtInMessage(issue.code, params, context.locale)
    : flowText(context.definition, context.locale, own);
}

/**
 * A union of constants (an enumeration with labels: `z.union([z.literal("a").meta({ title
 * }), …])`) refused as a union is a value that is not one of them: `invalid_value`.
 */
function asChoice(issue: ClassifiedIssue, place: SchemaPlace, root: JsonSchema): ClassifiedIssue {
  if (issue.code !== "invalid_union") return issue;
  const options = optionsOf(place, root);
  const constants = options.length > 0 && options.every((option) => Object.hasOwn(option, "const"));
  return constants ? { ...issue, code: "invalid_value", params: {} } : issue;
}

/** The schemas at a place, each union (a nullable one too) replaced by its variants, `null` left out. */
function optionsOf(place: SchemaPlace, root: JsonSchema): Schema[] {
  const flatten = (schema: Schema, depth: number): Schema[] => {
    const variants = schema.anyOf ?? schema.oneOf;
    if (!Array.isArray(variants) || depth > 8) return [schema];
    return variants.flatMap((variant) => flatten(resolve(variant, root), depth + 1));
  };
  return place.schemas
    .flatMap((schema) => flatten(schema, 0))
    .filter((schema) => schema.type !== "null");
}

function withValues(
  issue: ClassifiedIssue,
  place: SchemaPlace,
  root: JsonSchema,
): FieldErrorParams {
  if (issue.code !== "invalid_value" || issue.params.values !== undefined) return issue.params;
  const values = optionsOf(place, root).flatMap((schema) =>
    Object.hasOwn(schema, "const") ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : [],
  );
  const scalars = values.filter(
    (value): value is string | number | boolean | null =>
      value === null || ["string", "number", "boolean"].includes(typeof value),
  );
  return scalars.length > 0 && scalars.length === values.length
    ? { ...issue.params, values: [...new Set(scalars)] }
    : issue.params;
}

/** The author's text, or undefined when it is empty or a library's default. */
function ownText(message: string): string | undefined {
  return message.trim() === "" || isLibraryDefault(message) ? undefined : message;
}

function paramsOf(params: unknown): FieldErrorParams {
  if (!isPlainObject(params)) return {};
  const scalar = (value: unknown) =>
    ["string", "number", "boolean"].includes(typeof value) &&
    (typeof value !== "number" || Number.isFinite(value));
  return Object.fromEntries(
    Object.entries(params).filter(
      ([, value]) =>
        scalar(value) ||
        (Array.isArray(value) && value.every((item) => item === null || scalar(item))),
    ),
  ) as FieldErrorParams;
}

function valueAt(data: unknown, keys: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of keys) {
    if (!(isPlainObject(value) || Array.isArray(value))) return undefined;
    const name = String(key);
    value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
  }
  return value;
}

function hasParent(data: unknown, keys: readonly PropertyKey[]): boolean {
  const parent = valueAt(data, keys.slice(0, -1));
  return keys.length > 0 && (isPlainObject(parent) || Array.isArray(parent));
}

/** A copy of the data with `""` at each of the places named. */
function withEmptyText(
  data: Readonly<Record<string, unknown>>,
  places: readonly (readonly PropertyKey[])[],
): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const keys of places) {
    const parent = valueAt(copy, keys.slice(0, -1)) as Record<string, unknown>;
    Object.defineProperty(parent, String(keys.at(-1)), {
      value: "",
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function sameKeys(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((key, index) => String(key) === String(b[index]));
}

function keysOf(path: string): string[] {
  return path
    .split("/")
    .slice(1)
    .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
}
