/**
 * A field-level problem with submitted data. `path` is an RFC 6901 JSON Pointer into the
 * step data (`""` for the whole body, `/email` for a field).
 *
 * @example { path: "/dateOfBirth", message: "You must be at least 18 years old" }
 */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * An RFC 9457 `application/problem+json` document as Waymark sends it. `type` is
 * `urn:waymark:problem:{code}`, one per cause; other members depend on the cause (the
 * step to do first, `maxBytes`, `allow`, and so on).
 *
 * @example
 * { type: "urn:waymark:problem:invalid-step-data", title: "The step data is invalid", status: 422,
 *   detail: 'The data for step "personal-info" is invalid',
 *   errors: [{ path: "/email", message: "Enter an email address like name@example.com" }] }
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
