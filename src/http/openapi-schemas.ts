import { fieldErrorCodes } from "../contract/problem.ts";
import { errorCodes } from "../errors.ts";
import { flowEventTypes } from "../flow/events.ts";
import type { Contract, FlowFacts, Schema } from "./openapi-flows.ts";
import { storableText } from "./openapi-step-schema.ts";
import { problemTitles, problemType } from "./problem.ts";
import { maxHistoryEvents } from "./representation.ts";

/** A reference to a component schema. */
export function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An integer within bounds, with the `format` its range needs. */
export function integer(minimum: number, maximum: number, description?: string): Schema {
  const format = minimum >= -(2 ** 31) && maximum < 2 ** 31 ? "int32" : "int64";
  return { type: "integer", format, minimum, maximum, ...(description ? { description } : {}) };
}

/** One of a few known strings. */
export function choice(values: readonly string[], description?: string): Schema {
  return { type: "string", enum: [...new Set(values)], ...(description ? { description } : {}) };
}

/** Exactly one string. */
export function constant(value: string): Schema {
  return { type: "string", const: value };
}

/** An object with these properties, the `required` ones always there. */
export function object(
  properties: Schema,
  required: readonly string[],
  description: string,
): Schema {
  return { type: "object", description, required: [...required], properties };
}

/** An RFC 3339 time, as `Date.prototype.toISOString` writes it. */
export const timestamp = (description: string): Schema => ({
  type: "string",
  format: "date-time",
  maxLength: 30,
  description,
});

/** The kebab-case names flows and steps take. */
const kebab = "^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$";

/** The schemas every flow shares: the problem document and the small parts of representations. */
export function sharedSchemas(contract: Contract, flows: readonly FlowFacts[]): Schema {
  const all = flows.flatMap((flow) => flow.versions);
  const longestName = Math.max(
    1,
    ...all.flatMap((flow) =>
      [flow.name, ...flow.steps.map((step) => step.name)].map((name) => name.length),
    ),
  );
  const mostSteps = Math.max(1, ...all.map((flow) => flow.steps.length));
  // Only where some flow serves its history: otherwise nothing would refer to them.
  const history = !contract.token && all.some((flow) => flow.history);
  return {
    ...(history ? historySchemas(contract, longestName, mostSteps) : {}),
    Problem: object(
      {
        type: {
          type: "string",
          format: "uri",
          maxLength: 64,
          pattern: "^urn:waymark:problem:[a-z-]+$",
          description: "`urn:waymark:problem:{code}`: one per cause, stable",
          examples: [problemType("flow-expired")],
        },
        title: choice(
          errorCodes.flatMap(problemTitles),
          "The cause, for people: the same for every problem of a type in one language (`Content-Language`)",
        ),
        status: integer(400, 599, "The HTTP status of the response"),
        detail: {
          type: "string",
          maxLength: 400 + 2 * longestName,
          pattern: storableText,
          description: "What happened in this case, for people",
        },
        errors: {
          type: "array",
          maxItems: contract.maxBodyBytes,
          items: ref("FieldError"),
          description: "For `invalid-step-data` (and a repeated member name): every refusal",
        },
        step: {
          anyOf: [
            integer(1, mostSteps, "`step-out-of-order`, `step-not-applicable`: the step's number"),
            { type: "string", maxLength: longestName, pattern: kebab },
          ],
          description:
            "The step to do first or the current one (409, a number), or the step whose code failed (`definition-error`, a name)",
        },
        stepName: {
          type: "string",
          maxLength: longestName,
          pattern: kebab,
          description: "With `step` in a 409: its name",
        },
        flow: {
          type: "string",
          maxLength: longestName,
          pattern: kebab,
          description: "`definition-error`: the flow whose code failed",
        },
        hook: choice(
          [
            "when",
            "check",
            "schema",
            "beforeComplete",
            "onComplete",
            "authorize",
            "migrate",
            "messages",
          ],
          "`definition-error`: the code that failed",
        ),
        fromVersion: integer(
          1,
          Number.MAX_SAFE_INTEGER,
          "`definition-error` of a `migrate`: the version it moves from",
        ),
        toVersion: integer(
          1,
          Number.MAX_SAFE_INTEGER,
          "`definition-error` of a `migrate`: the version it moves to",
        ),
        recoverableUntil: timestamp(
          "`flow-expired`, while the flow can be recovered: until when `recover` works",
        ),
        recover: object(
          {
            href: {
              type: "string",
              format: "uri-reference",
              maxLength: contract.maxHref,
              description: "The flow's address, then `/recover`",
            },
            method: constant("POST"),
          },
          ["href", "method"],
          "`flow-expired`, while the flow can be recovered: `POST` here brings it back with its data",
        ),
        maxBytes: integer(1, contract.maxBodyBytes, "`body-too-large`: the limit, in bytes"),
        maxTokenBytes: integer(
          1,
          contract.maxTokenBytes,
          "`token-too-large`: the largest token issued, in bytes",
        ),
        acceptEncoding: choice(["identity"], "`unsupported-media-type` for a coded body"),
        allow: { type: "string", maxLength: 40, pattern: "^[A-Z]+(?:, [A-Z]+)*$" },
      },
      ["type", "title", "status", "detail"],
      "An RFC 9457 problem document: every error answers one, as application/problem+json",
    ),
    FieldError: object(
      {
        path: {
          type: "string",
          maxLength: 2 * contract.maxBodyBytes,
          pattern: "^(?:/[^/]*)*$",
          description: 'An RFC 6901 JSON Pointer into the body: `""` for all of it, `/email`',
        },
        message: {
          type: "string",
          maxLength: 10_000,
          pattern: storableText,
          description:
            "What is wrong, for people, in the language the request asked for (`Accept-Language`): the flow's own text (translated by its `messages`), or Waymark's for the code; never a schema library's default text",
        },
        code: choice(
          fieldErrorCodes,
          "Why, the same in every language: `required` (no value; an empty field is a missing one), `invalid_type` (`expected`), `too_small` / `too_big` (`minimum` / `maximum`, `inclusive`, `origin`: `string` counts characters, `array` items, `number` the value), `invalid_format` (`format`: `email`, `date`, `uri`, `regex`, …), `invalid_value` (`values`, when listed), `not_multiple_of` (`divisor`), `invalid_union`, `unknown_key`, `invalid_text` (U+0000 or a lone surrogate), `custom` (the flow's own rule). Sent with every `invalid-step-data` error",
        ),
        params: {
          type: "object",
          maxProperties: 16,
          additionalProperties: {
            anyOf: [
              { type: "string", maxLength: 1_000, pattern: storableText },
              { type: "number" },
              { type: "boolean" },
              {
                type: "array",
                maxItems: 1_000,
                items: {
                  anyOf: [
                    { type: "string", maxLength: 1_000, pattern: storableText },
                    { type: "number" },
                    { type: "boolean" },
                    { type: "null" },
                  ],
                },
              },
            ],
          },
          description:
            'What the code\'s rule asked for, by name (`{ minimum: 1, inclusive: true, origin: "string" }`), for a client that writes its own message; `{}` when the code takes none',
        },
      },
      ["path", "message"],
      "One refused part of a body",
    ),
    FlowId: {
      type: "string",
      minLength: 1,
      maxLength: contract.maxIdLength,
      pattern: "^[A-Za-z0-9_.-]+$",
      description: contract.token
        ? "The flow itself, sealed: a compact JWE (dir + A256GCM), URL-safe. Every write that changes the flow answers a new one; carry the newest forward."
        : "What the flow is addressed by: at least 122 random bits (a UUID), URL-safe.",
    },
    JsonSchema: {
      type: "object",
      description: "A JSON Schema (draft 2020-12) the step's data must match, to build a form",
    },
    Link: object(
      {
        href: {
          type: "string",
          format: "uri-reference",
          maxLength: contract.maxHref,
          description: "A path on this server, base path included",
        },
      },
      ["href"],
      "A link to another resource of the API",
    ),
    StepStatus: choice(
      ["done", "current", "pending", "skipped", "undecided"],
      "Where a step stands: skipped steps do not apply to this flow (their `when` is false, decided by answers given); undecided steps depend on an answer not given yet",
    ),
    FlowStatus: choice(
      ["in_progress", "completed"],
      "`completed` once every applicable step is done: the flow is then read-only",
    ),
  };
}

/** The schemas of `GET /{flow}/{flowId}/history`. */
function historySchemas(contract: Contract, longestName: number, mostSteps: number): Schema {
  return {
    FlowHistory: object(
      {
        flow: { type: "string", pattern: kebab, maxLength: longestName },
        flowId: ref("FlowId"),
        events: {
          type: "array",
          items: ref("HistoryEvent"),
          maxItems: maxHistoryEvents,
          description: `Oldest first; the newest ${maxHistoryEvents} when there are more`,
        },
        omitted: integer(
          1,
          Number.MAX_SAFE_INTEGER,
          "How many older events were left out, when some were",
        ),
      },
      ["flow", "flowId", "events"],
      "A flow's events, oldest first",
    ),
    HistoryEvent: object(
      {
        id: {
          type: "string",
          maxLength: contract.maxIdLength + 40,
          pattern: "^[A-Za-z0-9_.-]+:[0-9]+:[0-9]+$",
          description:
            "`{flowId}:{version}:{index}`: the `webhook-id` of its webhook, the same on every delivery",
        },
        type: choice(flowEventTypes, "What happened"),
        version: integer(1, Number.MAX_SAFE_INTEGER, "The flow's version after the write"),
        definitionVersion: integer(
          1,
          Number.MAX_SAFE_INTEGER,
          "The definition version the flow was on",
        ),
        at: timestamp("When"),
        step: {
          type: "string",
          pattern: kebab,
          maxLength: longestName,
          description: "The step, for `step.*` events",
        },
        fields: {
          type: "array",
          items: { type: "string", maxLength: 2 * contract.maxBodyBytes, pattern: "^(?:/[^/]*)*$" },
          maxItems: contract.maxBodyBytes,
          description:
            "JSON Pointers of the fields concerned, for `step.*` events: names, never values",
        },
        fromVersion: integer(
          1,
          Number.MAX_SAFE_INTEGER,
          "`flow.migrated`: the definition version it came from",
        ),
        steps: {
          type: "array",
          items: { type: "string", pattern: kebab, maxLength: longestName },
          maxItems: mostSteps,
          description: "`flow.migrated`: the steps sent back to the user",
        },
      },
      ["id", "type", "version", "definitionVersion", "at"],
      "One event of a flow",
    ),
  };
}
