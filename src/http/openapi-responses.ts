import type { ErrorCode } from "../errors.ts";
import { shippedLocales } from "../i18n/catalogue.ts";
import type { Contract, FlowFacts, Schema, StepFacts } from "./openapi-flows.ts";
import { integer, ref } from "./openapi-schemas.ts";
import { problemStatus, problemType } from "./problem.ts";

/** What an operation does, as the problem catalogue needs to know. */
export type OperationKind =
  | "describe"
  | "start"
  | "read"
  | "read-step"
  | "submit"
  | "erase"
  | "recover"
  | "history"
  | "events";

/** Why each problem happens, for people reading a response's description. */
const causes: Readonly<Record<ErrorCode, string>> = {
  "bad-request":
    "the request could not be parsed as HTTP (answered by `waymark serve` and `startServer`), or its body was cut off",
  "invalid-json":
    "the body is not UTF-8, not JSON, nested deeper than 32 levels, or not I-JSON (a number past a double, a member name repeated in one object: `errors[].path` points at it)",
  "invalid-idempotency-key":
    "`Idempotency-Key` is empty, over 255 characters or not printable ASCII",
  "idempotency-key-unsupported":
    "an `Idempotency-Key` was sent: without a store there is nowhere to remember it",
  "unknown-flow":
    "the caller may not start this flow: answered exactly as for a flow that does not exist",
  "flow-not-found":
    "no flow of this kind has this id, or the caller may not touch it: the two cannot be told apart",
  "invalid-flow-token":
    "the flow id is not a token this server can open (malformed, altered, too long, sealed with a key it does not hold), or the caller may not touch the flow",
  "step-not-found": "the version of the definition the flow started on has no such step",
  "route-not-found": "there is nothing at this address",
  "method-not-allowed": "the address does not take this method (see `Allow`)",
  "request-timeout":
    "the request line and headers, or the whole request with its body, did not arrive within the server's time (10 s and 30 s by default); the connection is closed (answered by `waymark serve` and `startServer`)",
  "step-out-of-order": "an earlier step comes first: `step` and `stepName` name it",
  "step-not-applicable":
    "the step does not apply to this flow (earlier answers skip it): `step` and `stepName` name the current one",
  "flow-completed": "the flow is completed and read-only",
  "concurrent-update": "other writes to the flow kept this one waiting past its time budget; retry",
  "idempotency-key-in-flight":
    "the first request with this key is still running: retry after `Retry-After` seconds",
  "flow-expired":
    "the flow is past its `expiresAt` (while it can still be recovered, `recover` says where to `POST` and `recoverableUntil` until when), or its definition version's policy is `expire`",
  "definition-retired": "the flow started on a version of its definition that is no longer served",
  "precondition-failed":
    "`If-Match` does not match the flow's ETag, or `If-None-Match` does; nothing was done",
  "body-too-large":
    "the body is over the size limit (`maxBytes`); with `Expect: 100-continue`, a `Content-Length` over it is refused before the upload (by `waymark serve` and `startServer`)",
  "unsupported-media-type":
    "the body is not `application/json` (or `+json`), or has a `Content-Encoding` other than `identity` (then `Accept-Encoding: identity` says so)",
  "expectation-failed":
    "`Expect` asks for something other than `100-continue` (answered by `waymark serve` and `startServer`)",
  "invalid-step-data":
    "the data fails the step's schema or rules, holds an unknown key, or is not an object: `errors` lists every refusal",
  "idempotency-key-reused": "the key was first used with a different body",
  "token-too-large": "the flow would seal into a token over `maxTokenBytes`",
  "precondition-required": "strict mode: send `If-Match` with the flow's ETag",
  "rate-limited": "too many requests from this client: retry after `Retry-After` seconds",
  "headers-too-large":
    "the request line and headers are over 16 KiB, counted as sent, or number over 100 fields (the server's defaults; answered by `waymark serve`, `startServer` and `toNodeListener`)",
  "store-unavailable": "the store cannot be reached: retry after `Retry-After` seconds",
  "delivery-unavailable":
    "token mode: the completing write's `flow.completed` could not be delivered (a webhook endpoint or `onComplete` failed), so the flow was not completed: retry after `Retry-After` seconds with the same token",
  "history-unavailable":
    "the flow keeps no history here: its definition's `history` is off (the default for `capability` flows), or the flows are in tokens, which keep no log",
  "funnel-unavailable":
    "the flows are kept where they cannot be counted (token mode, or a store that cannot list its records)",
  "live-updates-unavailable":
    "the flows are kept in tokens (the flow id is the state: nothing on the server changes to watch), or the store cannot signal changes",
  "too-many-streams":
    "this instance holds as many live update streams as it allows: retry after `Retry-After` seconds, perhaps on another instance",
  "definition-error":
    "the flow's own code threw (`when`, `check`, a schema, `beforeComplete`, `onComplete`, `authorize`, `migrate`): `flow`, `step` and `hook` say where, and for `migrate` `fromVersion` and `toVersion`; nothing was written",
  "internal-error": "a bug: its message is never sent",
};

const reasons: Readonly<Record<number, string>> = {
  400: "Bad request",
  404: "Not found",
  408: "Request timeout",
  409: "Conflict",
  410: "Gone",
  412: "Precondition failed",
  413: "Content too large",
  415: "Unsupported media type",
  417: "Expectation failed",
  422: "Unprocessable content",
  428: "Precondition required",
  429: "Too many requests",
  431: "Request header fields too large",
  500: "Internal server error",
  503: "Service unavailable",
};

/**
 * Every problem an operation can answer, for one flow (and step) under the contract:
 * what the route itself, the body reader, idempotency and the use case can throw.
 */
export function problemCodes(
  kind: OperationKind,
  flow: FlowFacts,
  step: StepFacts | undefined,
  contract: Contract,
): ErrorCode[] {
  const { token } = contract;
  const stored = !token;
  const authorize = flow.access === "authorize";
  const events = kind === "events";
  const live =
    kind === "read" || kind === "read-step" || kind === "submit" || kind === "recover" || events;
  const addressed = live || kind === "erase";
  // A flow on an older version may move to the newest on any live operation: a write.
  const migrates = flow.versions.some((version) => version.migration !== undefined);
  const writes = kind === "submit" || kind === "recover" || (live && migrates);
  // `recover` needs no body, but one that is sent is read under the same limits.
  const withBody = kind === "start" || kind === "submit" || kind === "recover";
  // Planning a flow (to start, read or write it) runs its steps' `when`; an `authorize`
  // policy runs on every operation but the description; a write runs schemas and checks.
  const planned = flow.versions.some((version) => version.steps.some((s) => s.when));
  const runsCode =
    kind === "submit" ||
    (live && migrates) ||
    (kind !== "describe" && (authorize || (planned && kind !== "erase")));
  // The Node server answers these for any request, before it reaches a route.
  const codes: ErrorCode[] = [
    "bad-request",
    "request-timeout",
    "expectation-failed",
    "headers-too-large",
    "internal-error",
  ];
  const add = (when: boolean, ...more: ErrorCode[]) => {
    if (when) codes.push(...more);
  };
  add(contract.rateLimit !== undefined, "rate-limited");
  // A rate limit's own store serves every request; the flow store all but the description.
  add(
    contract.rateLimit?.store !== undefined || (stored && kind !== "describe"),
    "store-unavailable",
  );
  add(runsCode, "definition-error");
  add(addressed, "flow-not-found");
  add(addressed && !events, "precondition-failed");
  add(addressed && token, "invalid-flow-token");
  add(live, "flow-expired", "definition-retired");
  add(step !== undefined && !step.everywhere, "step-not-found");
  add(withBody, "invalid-json", "body-too-large", "unsupported-media-type");
  add((withBody || writes) && token, "token-too-large");
  add((withBody || writes) && stored, "concurrent-update");
  add(kind === "start", "invalid-idempotency-key");
  add(kind === "start" && token, "idempotency-key-unsupported");
  add(kind === "start" && stored, "idempotency-key-in-flight", "idempotency-key-reused");
  add(kind === "start" && authorize, "unknown-flow");
  add(kind === "submit", "flow-completed", "invalid-step-data");
  add(kind === "submit" && (step?.step.number ?? 1) > 1, "step-out-of-order");
  add(kind === "submit" && step?.step.when !== undefined, "step-not-applicable");
  add(kind === "submit" && contract.requireIfMatch, "precondition-required");
  add(kind === "submit" && token && contract.webhooks, "delivery-unavailable");
  add(kind === "history", "flow-not-found", "history-unavailable");
  add(events, "live-updates-unavailable", "too-many-streams");
  return codes;
}

/** The problem+json responses of a set of codes, one per status. */
export function problemResponses(codes: readonly ErrorCode[], contract: Contract): Schema {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = problemStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Schema = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const found = byStatus.get(status) ?? [];
    const own: Schema = {};
    if (status === 429 || status === 503) own["Retry-After"] = retryAfter(true);
    if (found.includes("idempotency-key-in-flight")) own["Retry-After"] = retryAfter(false);
    if (found.includes("unsupported-media-type")) {
      own["Accept-Encoding"] = header(
        "`identity` when the refused body was coded (RFC 9110 §12.5.3)",
        { type: "string", enum: ["identity"] },
        false,
      );
    }
    own["Content-Language"] = header(
      "The language of `title` and `detail`: `en`, `de` or `ar`, chosen by `Accept-Language`; absent when the server answered before the request reached the API",
      { type: "string", enum: [...shippedLocales] },
      false,
    );
    const lines = found.map((code) => `- \`${code}\`: ${causes[code]}`);
    responses[String(status)] = {
      description: `${reasons[status] ?? "Error"}, as application/problem+json:\n\n${lines.join("\n")}`,
      ...headersOf(status, own, contract),
      content: {
        "application/problem+json": {
          schema: {
            allOf: [
              ref("Problem"),
              {
                type: "object",
                properties: {
                  type: { type: "string", enum: found.map(problemType) },
                  status: { const: status },
                },
              },
            ],
          },
        },
      },
    };
  }
  return responses;
}

/** Statuses the Node server may answer before a request reaches the API. */
const serverAnswered: ReadonlySet<number> = new Set([400, 408, 413, 417, 431]);

/**
 * A response's headers: its own, and those the options add to every response of its
 * class (`RateLimit` on 2xx and 4xx, `Access-Control-Allow-Origin` on all). Spread into
 * the response object; nothing when there are none.
 */
export function headersOf(status: number, own: Schema, contract: Contract): { headers?: Schema } {
  const headers: Schema = { ...own };
  const family = Math.floor(status / 100);
  const { rateLimit, cors } = contract;
  // The Node server answers some requests itself, before any limit is counted: one it
  // cannot parse (400), too slow (408), with a body declared too large before its upload
  // (413), an unknown expectation (417), too many or too large headers (431). Those
  // carry no RateLimit headers.
  const limited = !serverAnswered.has(status);
  if (rateLimit && (family === 2 || family === 4)) {
    const seconds = rateLimit.windowMs / 1000;
    const unparsed = limited
      ? ""
      : "; absent when the server answered before the request reached the API";
    headers.RateLimit = header(
      `The client's quota in the current window (IETF draft-ietf-httpapi-ratelimit-headers, draft 7): requests allowed, left, and seconds until the window resets${unparsed}`,
      { type: "string", maxLength: 100, pattern: "^limit=[0-9]+, remaining=[0-9]+, reset=[0-9]+$" },
      limited,
    );
    headers["RateLimit-Policy"] = header(
      `The policy: at most ${rateLimit.limit} requests per client every ${seconds} seconds${unparsed}`,
      { type: "string", enum: [`${rateLimit.limit};w=${seconds}`] },
      limited,
    );
  }
  if (cors) {
    const any = cors.origins === "*";
    headers["Access-Control-Allow-Origin"] = header(
      any
        ? "Any origin may read the response (CORS)"
        : "The request's `Origin`, when it is one of those allowed to call the API (CORS); absent otherwise",
      { type: "string", enum: any ? ["*"] : [...cors.origins] },
      any,
    );
  }
  return Object.keys(headers).length > 0 ? { headers } : {};
}

/** A header object. */
export function header(description: string, schema: Schema, required = true): Schema {
  return { description, required, schema };
}

function retryAfter(required: boolean): Schema {
  return header(
    required
      ? "Seconds to wait before retrying"
      : "Seconds to wait before retrying: with `idempotency-key-in-flight`",
    integer(1, 86_400),
    required,
  );
}

/** The language an entity tag may end with: `-de`, `-pt-BR`. */
const languageSuffix = "(?:-[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,3})?";

/** The response headers the flow routes send, by name. */
export function responseHeaders(contract: Contract) {
  return {
    etag: header(
      contract.token
        ? "The strong entity tag of this state of the flow in this language, from its token, with `-{language}` appended unless the answer is in English: send it back in `If-Match` to write only to this state (a tag of any language of the state matches), or in `If-None-Match` to read only if this language's representation changed"
        : 'The strong entity tag of this state of the flow in this language: `"v{version}"` in English, `"v{version}-{language}"` in another (`"v3-de"`). Send it back in `If-Match` to write only to this version (a tag of any language of the version matches), or in `If-None-Match` to read only if this language\'s representation changed',
      contract.token
        ? { type: "string", maxLength: 102, pattern: `^"t[A-Za-z0-9_-]{1,64}${languageSuffix}"$` }
        : { type: "string", maxLength: 54, pattern: `^"v[1-9][0-9]{0,15}${languageSuffix}"$` },
    ),
    contentLanguage: header(
      "The language of the answer's texts (RFC 9110 §8.5), chosen by `Accept-Language`: `en`, `de`, `ar`, or one the flow translates into. Answers vary by it (`Vary: Accept-Language`)",
      { type: "string", maxLength: 35, pattern: "^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$" },
    ),
    location: (required: boolean, description: string) =>
      header(
        description,
        { type: "string", format: "uri-reference", maxLength: contract.maxHref },
        required,
      ),
    noStore: header("The flow holds personal data: never stored by caches", {
      type: "string",
      enum: ["no-store"],
    }),
    noCache: header("Caches may keep it, but must ask again before using it", {
      type: "string",
      enum: ["no-cache"],
    }),
    replayed: header(
      "`true` when the response is the first response to this `Idempotency-Key`, replayed",
      { type: "string", enum: ["true"] },
      false,
    ),
  };
}
