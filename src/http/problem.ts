import { type ErrorCode, WaymarkError } from "../errors.ts";
import { textResponse } from "./text-response.ts";

/** The one table from error code to HTTP status and problem title. */
const problems: Readonly<Record<ErrorCode, { status: number; title: string }>> = {
  "bad-request": { status: 400, title: "Bad request" },
  "invalid-json": { status: 400, title: "The request body is not valid JSON" },
  "invalid-idempotency-key": { status: 400, title: "The Idempotency-Key is not valid" },
  "idempotency-key-unsupported": {
    status: 400,
    title: "Idempotency-Key is not supported without a store",
  },
  "unknown-flow": { status: 404, title: "No such flow" },
  "flow-not-found": { status: 404, title: "Flow not found" },
  "invalid-flow-token": { status: 404, title: "The flow token cannot be opened" },
  "step-not-found": { status: 404, title: "No such step" },
  "history-unavailable": { status: 404, title: "This flow's history is not served" },
  "live-updates-unavailable": { status: 404, title: "This flow's live updates are not served" },
  "route-not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "request-timeout": { status: 408, title: "The request did not arrive in time" },
  "step-out-of-order": { status: 409, title: "An earlier step must be done first" },
  "step-not-applicable": { status: 409, title: "This step does not apply to the flow" },
  "flow-completed": { status: 409, title: "The flow is completed" },
  "concurrent-update": { status: 409, title: "The flow kept changing; try again" },
  "idempotency-key-in-flight": {
    status: 409,
    title: "A request with this Idempotency-Key is still in progress",
  },
  "flow-expired": { status: 410, title: "The flow has expired" },
  "definition-retired": { status: 410, title: "The flow's definition is no longer served" },
  "precondition-failed": { status: 412, title: "The flow has changed since you read it" },
  "body-too-large": { status: 413, title: "The request body is too large" },
  "unsupported-media-type": { status: 415, title: "Send application/json" },
  "expectation-failed": { status: 417, title: "The expectation cannot be met" },
  "invalid-step-data": { status: 422, title: "The step data is invalid" },
  "token-too-large": { status: 422, title: "The flow would not fit in its token" },
  "idempotency-key-reused": {
    status: 422,
    title: "This Idempotency-Key was used for a different request",
  },
  "precondition-required": { status: 428, title: "If-Match is required" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "headers-too-large": { status: 431, title: "The request headers are too large" },
  "store-unavailable": { status: 503, title: "The store is unavailable" },
  "delivery-unavailable": {
    status: 503,
    title: "The flow's completion could not be delivered",
  },
  "funnel-unavailable": { status: 404, title: "This store cannot compute funnels" },
  "too-many-streams": { status: 503, title: "Too many live update streams are open" },
  "definition-error": { status: 500, title: "The flow definition failed" },
  "internal-error": { status: 500, title: "Internal server error" },
};

/**
 * The problem `type` URI of an error code: stable, one per cause.
 *
 * @example problemType("flow-expired") // "urn:waymark:problem:flow-expired"
 */
export function problemType(code: ErrorCode): string {
  return `urn:waymark:problem:${code}`;
}

/** A 405 naming the methods the address takes, sent back in `Allow`. */
export function methodNotAllowed(allow: string): WaymarkError {
  return new WaymarkError("method-not-allowed", `Use ${allow} here`, { extensions: { allow } });
}

/** The answer at an address nothing serves: 404 `route-not-found`. */
export function routeNotFound(): WaymarkError {
  return new WaymarkError("route-not-found", "There is nothing at this address");
}

/** The HTTP status an error code maps to. */
export function problemStatus(code: ErrorCode): number {
  return problems[code].status;
}

/**
 * Whether an error code is a refusal the server means to give under load or outage
 * (every 503: `store-unavailable`, `delivery-unavailable`, `too-many-streams`), not a
 * fault: it is logged as a warning without a stack, unlike a 500.
 *
 * @example isRefusal("too-many-streams") // true
 */
export function isRefusal(code: ErrorCode): boolean {
  return problems[code].status === 503;
}

/** The RFC 9457 problem document of an error. */
export function problemDocument(error: WaymarkError): Record<string, unknown> {
  const { status, title } = problems[error.code];
  const body: Record<string, unknown> = {
    ...error.extensions,
    type: problemType(error.code),
    title,
    status,
    detail: error.message,
  };
  if (error.errors.length > 0) body.errors = error.errors;
  return body;
}

/**
 * Turns anything thrown into an `application/problem+json` response. Errors that are
 * not a `WaymarkError` become a 500 without their message (it may hold data). `request`,
 * when given, is the one being answered (see `textResponse`).
 */
export function problemResponse(
  thrown: unknown,
  headers: Readonly<Record<string, string>> = {},
  request?: Request,
): Response {
  const error =
    thrown instanceof WaymarkError
      ? thrown
      : new WaymarkError("internal-error", "The server failed to handle this request");
  const response = textResponse(request, JSON.stringify(problemDocument(error)), {
    status: problemStatus(error.code),
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
  });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  if (isRefusal(error.code) || error.code === "idempotency-key-in-flight") {
    response.headers.set("retry-after", String(error.retryAfterSeconds ?? 1));
  }
  if (typeof error.extensions.allow === "string")
    response.headers.set("allow", error.extensions.allow);
  // RFC 9110 §12.5.3: a 415 for a body's coding names the codings accepted.
  if (typeof error.extensions.acceptEncoding === "string") {
    response.headers.set("accept-encoding", error.extensions.acceptEncoding);
  }
  return response;
}
