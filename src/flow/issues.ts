import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { FieldErrorCode, FieldErrorParam } from "../contract/problem.ts";
import { fieldErrorCodes } from "../contract/problem.ts";

/** Params of a field error, as the contract's `FieldError.params` carries them. */
export type FieldErrorParams = Readonly<Record<string, FieldErrorParam>>;

/**
 * What one schema issue says, in Waymark's terms: where (`keys`, the issue's path), the
 * stable `code` and its `params`, and the issue's own `message` (which may be the
 * library's default English text; see {@link isLibraryDefault}).
 */
export interface ClassifiedIssue {
  keys: readonly PropertyKey[];
  code: FieldErrorCode;
  params: FieldErrorParams;
  message: string;
}

/**
 * The default English texts of Zod 4, Zod 3 and Valibot, which are never sent: a field
 * error whose message is one of them gets Waymark's own message for its code instead.
 */
const libraryDefaults: readonly RegExp[] = [
  // Zod 4
  /^Invalid input(?:$|:)/,
  /^Invalid option: expected one of /,
  /^Too (?:small|big): expected /,
  /^Invalid (?:string|number): must /,
  /^Unrecognized keys?: /,
  /^Invalid (?:key|value|element) in /,
  /^Invalid discriminator value\. Expected /,
  /^Invalid (?:email address|URL|emoji|UUID(?:v[4-8])?|GUID|nanoid|cuid2?|ULID|XID|KSUID|ISO (?:datetime|date|time|duration)|IPv[46] (?:address|range)|MAC address|base64(?:url)?-encoded string|JSON string|E\.164 number|currency code|credit card number|IBAN|JWT|hostname|hex string)$/,
  // Zod 3
  /^Required$/,
  /^Invalid$/,
  /^Expected [^,]+, received /,
  /^Invalid literal value, expected /,
  /^Invalid enum value\. Expected /,
  /^Unrecognized key\(s\) in object: /,
  /^(?:String|Number|Array|Set|Date|BigInt|Value|Map) must /,
  /^Invalid (?:email|url|emoji|uuid|nanoid|cuid2?|ulid|regex|datetime|date|time|duration|ip|cidr|base64(?:url)?|jwt|arguments|return type|function arguments|function return type)$/,
  /^Intersection results could not be merged$/,
  // Valibot: "Invalid {type}: Expected {expected} but received {received}" or "… Received …"
  /^Invalid [^:]{1,40}: (?:Expected [\s\S]* but received|Received) /,
];

/**
 * Whether a message is a schema library's default English text (Zod 4, Zod 3, Valibot)
 * rather than one a flow's author wrote.
 *
 * @example isLibraryDefault("Invalid input: expected string, received undefined") // true
 * @example isLibraryDefault("Enter your name") // false
 */
export function isLibraryDefault(message: string): boolean {
  return libraryDefaults.some((pattern) => pattern.test(message));
}

/**
 * Whether a value is one of the contract's field error codes.
 *
 * @example isFieldErrorCode("too_small") // true
 */
export function isFieldErrorCode(value: unknown): value is FieldErrorCode {
  return typeof value === "string" && (fieldErrorCodes as readonly string[]).includes(value);
}

/** An issue's fields as Zod and Valibot add them beyond Standard Schema's own. */
type LooseIssue = StandardSchemaV1.Issue & Readonly<Record<string, unknown>>;

/**
 * The field errors one Standard Schema issue stands for: its code and params, from a Zod
 * 4, Zod 3 or Valibot issue; `custom` for any other. Zod's `unrecognized_keys` becomes
 * one `unknown_key` per key, each at its own path.
 *
 * @example classifyIssue({ code: "too_small", origin: "string", minimum: 1, inclusive: true, path: ["name"], message: "Enter a name" })
 * // [{ keys: ["name"], code: "too_small", params: { minimum: 1, inclusive: true, origin: "string" }, message: "Enter a name" }]
 */
export function classifyIssue(issue: StandardSchemaV1.Issue): ClassifiedIssue[] {
  const loose = issue as LooseIssue;
  const keys = (issue.path ?? []).map((segment) =>
    typeof segment === "object" ? segment.key : segment,
  );
  // Zod 4 words a format its dictionary lacks as "Invalid {format}" ("Invalid hex",
  // "Invalid lowercase"): a default too, known only with the issue's own format.
  const zodFormatDefault =
    loose.code === "invalid_format" && issue.message === `Invalid ${String(loose.format)}`;
  const message = zodFormatDefault ? "" : issue.message;
  const found = (code: FieldErrorCode, params: FieldErrorParams = {}): ClassifiedIssue[] => [
    { keys, code, params, message },
  ];
  if (loose.code === "unrecognized_keys" && Array.isArray(loose.keys)) {
    return loose.keys.map((key: unknown) => ({
      keys: [...keys, String(key)],
      code: "unknown_key",
      params: {},
      message: issue.message,
    }));
  }
  if (typeof loose.code === "string") return found(...fromZod(loose));
  if (loose.kind === "schema" || loose.kind === "validation" || loose.kind === "transformation") {
    return found(...fromValibot(loose));
  }
  return found("custom");
}

type Classified = [FieldErrorCode, FieldErrorParams?];

/** Zod 4 issues, and Zod 3's where their codes differ. */
function fromZod(issue: LooseIssue): Classified {
  const origin = text(issue.origin) ?? text(issue.type);
  switch (issue.code) {
    case "invalid_type":
      return ["invalid_type", { expected: typeName(text(issue.expected) ?? "other") }];
    case "too_small":
      return ["too_small", bound("minimum", issue.minimum, issue.inclusive, origin)];
    case "too_big":
      return ["too_big", bound("maximum", issue.maximum, issue.inclusive, origin)];
    case "invalid_format":
      return ["invalid_format", { format: formatName(text(issue.format) ?? "other") }];
    case "invalid_string": // Zod 3
      return ["invalid_format", { format: formatName(text(issue.validation) ?? "other") }];
    case "invalid_date": // Zod 3
      return ["invalid_format", { format: "date" }];
    case "invalid_value":
      return ["invalid_value", valuesOf(issue.values)];
    case "invalid_enum_value": // Zod 3
      return ["invalid_value", valuesOf(issue.options)];
    case "invalid_literal": // Zod 3
      return ["invalid_value", valuesOf([issue.expected])];
    case "invalid_union_discriminator": // Zod 3
      return ["invalid_value", valuesOf(issue.options)];
    case "invalid_union":
      // A discriminated union's tag that names no variant is a wrong choice of value.
      return Array.isArray(issue.options) && issue.options.length > 0
        ? ["invalid_value", valuesOf(issue.options)]
        : ["invalid_union"];
    case "not_multiple_of": {
      const divisor = numeric(issue.divisor ?? issue.multipleOf);
      return ["not_multiple_of", divisor === undefined ? {} : { divisor }];
    }
    default:
      return ["custom"];
  }
}

/** Valibot's schema issues (by `type`) and its validation actions (by `type`). */
function fromValibot(issue: LooseIssue): Classified {
  const type = text(issue.type) ?? "";
  const origin = Array.isArray(issue.input)
    ? "array"
    : typeof issue.input === "string"
      ? "string"
      : "number";
  const requirement = issue.requirement;
  if (issue.kind === "schema") {
    if (["picklist", "enum", "literal", "variant"].includes(type)) return ["invalid_value", {}];
    if (type === "union") return ["invalid_union"];
    if (type.endsWith("object") && issue.expected === "never") return ["unknown_key"];
    return ["invalid_type", { expected: typeName(type.endsWith("object") ? "object" : type) }];
  }
  switch (type) {
    case "min_length":
    case "min_value":
    case "min_size":
      return ["too_small", bound("minimum", requirement, true, origin)];
    case "max_length":
    case "max_value":
    case "max_size":
      return ["too_big", bound("maximum", requirement, true, origin)];
    case "gt_value":
      return ["too_small", bound("minimum", requirement, false, origin)];
    case "lt_value":
      return ["too_big", bound("maximum", requirement, false, origin)];
    case "non_empty":
      return ["too_small", bound("minimum", 1, true, origin)];
    case "integer":
    case "safe_integer":
      return ["invalid_type", { expected: "integer" }];
    case "multiple_of": {
      const divisor = numeric(requirement);
      return ["not_multiple_of", divisor === undefined ? {} : { divisor }];
    }
    case "value":
    case "values":
      return ["invalid_value", {}];
    default: {
      const format = valibotFormats[type];
      return format === undefined ? ["custom"] : ["invalid_format", { format }];
    }
  }
}

/** Valibot's format actions, by the format names JSON Schema gives them. */
const valibotFormats: Readonly<Record<string, string>> = {
  email: "email",
  rfc_email: "email",
  url: "uri",
  uuid: "uuid",
  regex: "regex",
  iso_date: "date",
  iso_date_time: "date-time",
  iso_timestamp: "date-time",
  iso_time: "time",
  ipv4: "ipv4",
  ipv6: "ipv6",
  ip: "ip",
};

/** Zod's format names, spelled as JSON Schema's `format` spells them where it has one. */
function formatName(format: string): string {
  const names: Readonly<Record<string, string>> = { url: "uri", datetime: "date-time" };
  return names[format] ?? format;
}

/** Type names as JSON Schema spells them (`int` and Valibot's `Object` included). */
function typeName(type: string): string {
  const lower = type.toLowerCase();
  return lower === "int" ? "integer" : lower;
}

function bound(
  name: "minimum" | "maximum",
  value: unknown,
  inclusive: unknown,
  origin: string | undefined,
): FieldErrorParams {
  const limit = numeric(value);
  return {
    ...(limit === undefined ? {} : { [name]: limit }),
    inclusive: inclusive !== false,
    ...(origin === undefined ? {} : { origin }),
  };
}

/** The listed values that are JSON scalars; none at all when there is no list. */
function valuesOf(values: unknown): FieldErrorParams {
  if (!Array.isArray(values)) return {};
  const scalars = values.filter(
    (value): value is string | number | boolean | null =>
      value === null || ["string", "number", "boolean"].includes(typeof value),
  );
  return scalars.length > 0 ? { values: scalars } : {};
}

function numeric(value: unknown): number | undefined {
  if (typeof value === "bigint") return Number(value);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
