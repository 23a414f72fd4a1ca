import type { JsonSchema } from "../contract/representation.ts";
import { fallbacks, flowText } from "./messages.ts";
import type { DefinedStep, FlowDefinition } from "./types.ts";
import { runUserCode } from "./user-code.ts";

/**
 * Runs a `messages` function for `locale` and each language it falls back to
 * (`de-AT`, then `de`), as translating any text would: called before a write, a
 * function that throws refuses the request before anything is written, not after.
 * Nothing to run for messages given as an object.
 *
 * @throws WaymarkError `definition-error` (hook `messages`) when the function throws.
 * @example checkMessages(onboarding, "de-AT") // runs messages("de-AT"), then messages("de")
 */
export function checkMessages(definition: FlowDefinition, locale: string): void {
  const { messages } = definition;
  if (typeof messages !== "function") return;
  runUserCode({ flow: definition.name, hook: "messages" }, () => {
    for (const tag of fallbacks(locale)) messages(tag);
  });
}

/** Translated schemas, by step and locale; a definition's steps live as long as it does. */
const translated = new WeakMap<DefinedStep, Map<string, JsonSchema>>();
/** Languages kept per step: negotiation yields a handful, and the cap keeps it so. */
const maxLocalesPerStep = 16;

/**
 * A step's JSON Schema with every `title` and `description` in `locale` (fields, nested
 * objects, array items, union variants, the titles of `oneOf`/`anyOf` choices), as the
 * flow's `messages` translate them. The definition's frozen schema is never changed: the
 * translation is a copy, made once per step and language. Values (`const`, `enum`,
 * `default`, `examples`) and property names are never translated.
 *
 * @throws WaymarkError `definition-error` (hook `messages`) when a `messages` function throws.
 * @example localSchema(onboarding, onboarding.steps[0], "de").properties.firstName.title // "Vorname"
 */
export function localSchema(
  definition: FlowDefinition,
  step: DefinedStep,
  locale: string,
): JsonSchema {
  if (definition.messages === undefined) return step.jsonSchema;
  let byLocale = translated.get(step);
  const cached = byLocale?.get(locale);
  if (cached) return cached;
  const schema = runUserCode({ flow: definition.name, step: step.name, hook: "messages" }, () =>
    translateSchema(step.jsonSchema, (text) => flowText(definition, locale, text)),
  );
  if (!byLocale) {
    byLocale = new Map();
    translated.set(step, byLocale);
  }
  if (byLocale.size >= maxLocalesPerStep) byLocale.clear();
  byLocale.set(locale, schema);
  return schema;
}

/** Keywords whose value is a map from names to schemas: the names are not keywords. */
const schemaMaps = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
]);
/** Keywords whose value is data, never a schema: left as it is. */
const dataKeywords = new Set(["const", "enum", "default", "examples", "example", "required"]);
/** Keywords that hold text for people. */
const textKeywords = new Set(["title", "description"]);

/**
 * A copy of a JSON Schema with its `title` and `description` strings passed through
 * `translate`, at every depth.
 *
 * @example translateSchema({ type: "string", title: "Email" }, (t) => t.toUpperCase()) // { type: "string", title: "EMAIL" }
 */
export function translateSchema(
  schema: JsonSchema,
  translate: (text: string) => string,
): JsonSchema {
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (textKeywords.has(keyword) && typeof value === "string") {
      copy[keyword] = translate(value);
    } else if (dataKeywords.has(keyword)) {
      copy[keyword] = value;
    } else if (schemaMaps.has(keyword) && isObject(value)) {
      copy[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, member]) => [name, subschema(member, translate)]),
      );
    } else if (Array.isArray(value)) {
      copy[keyword] = value.map((member) => subschema(member, translate));
    } else {
      copy[keyword] = subschema(value, translate);
    }
  }
  return copy;
}

function subschema(value: unknown, translate: (text: string) => string): unknown {
  return isObject(value) ? translateSchema(value, translate) : value;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
