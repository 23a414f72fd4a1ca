/**
 * Why a field was refused, stable across languages and schema libraries, so that a
 * client can write its own message:
 * - `required`: no value (an empty field is a missing one);
 * - `invalid_type`: a value of the wrong JSON type (`params.expected`);
 * - `too_small` / `too_big`: below `params.minimum` / above `params.maximum`
 *   (`params.origin`: `string` counts characters, `array` items, `number` the value;
 *   `params.inclusive`);
 * - `invalid_format`: text not in `params.format` (`email`, `date`, `uri`, `regex`, …);
 * - `invalid_value`: not one of the allowed values (`params.values`, when listed);
 * - `not_multiple_of`: not a multiple of `params.divisor`;
 * - `invalid_union`: matches none of the variants of a choice;
 * - `unknown_key`: a key the step does not have;
 * - `invalid_text`: text with U+0000 or an unpaired surrogate;
 * - `custom`: the flow's own rule (a `check`, a refinement); its `message` is the text.
 */
export type FieldErrorCode = (typeof fieldErrorCodes)[number];

/**
 * Every {@link FieldErrorCode}, in the order the list above explains them.
 * @example if (fieldErrorCodes.includes(error.code)) show(translations[error.code]);
 */
export const fieldErrorCodes = [
  "required",
  "invalid_type",
  "too_small",
  "too_big",
  "invalid_format",
  "invalid_value",
  "not_multiple_of",
  "invalid_union",
  "unknown_key",
  "invalid_text",
  "custom",
] as const;

/**
 * A value in a field error's `params`: a number, text, flag, or a list of them.
 * @example { minimum: 1, inclusive: true, origin: "array" }
 */
export type FieldErrorParam =
  | string
  | number
  | boolean
  | readonly (string | number | boolean | null)[];

/**
 * A field-level problem with submitted data. `path` is an RFC 6901 JSON Pointer into the
 * step data (`""` for the whole body, `/email` for a field). `message` is in the language
 * the request asked for (`Accept-Language`); `code` and `params` are the same in every
 * language, for clients that translate themselves. Every error the server sends has a
 * `code`; a flow's `check` may leave it out (it becomes `custom`).
 *
 * @example { path: "/items/0/qty", code: "too_small", params: { minimum: 1, inclusive: true, origin: "number" }, message: "Enter 1 or more" }
 */
export interface FieldError {
  path: string;
  message: string;
  code?: FieldErrorCode;
  params?: Readonly<Record<string, FieldErrorParam>>;
}

/**
 * An RFC 9457 `application/problem+json` document as Waymark sends it. `type` is
 * `urn:waymark:problem:{code}`, one per cause; other members depend on the cause (the
 * step to do first, `maxBytes`, `allow`, and so on).
 *
 * @example
 * { type: "urn:waymark:problem:invalid-step-data", title: "The step data is invalid", status: 422,
 *   detail: 'The data for step "personal-info" is invalid',
 *   errors: [{ path: "/email", code: "invalid_format", params: { format: "email" },
 *     message: "Enter an email address like name@example.com" }] }
 */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For `invalid-step-data`: every field that was refused. */
  errors?: FieldError[];
  [extension: string]: unknown;
}
