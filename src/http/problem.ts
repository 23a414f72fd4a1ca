import { type ErrorCode, WaymarkError } from "../errors.ts";
import { shippedLocaleOf, shippedLocales, translate } from "../i18n/catalogue.ts";
import { problemMessages } from "../i18n/problem-messages.ts";
import { requestLocale, varyOnLanguage } from "./locale.ts";
import { textResponse } from "./text-response.ts";

/**
 * The one table from error code to HTTP status. Each code's title, in every language
 * Waymark ships, is in `problemMessages` (src/i18n/problem-messages.ts).
 */
const statuses: Readonly<Record<ErrorCode, number>> = {
  "bad-request": 400,
  "invalid-json": 400,
  "invalid-idempotency-key": 400,
  "idempotency-key-unsupported": 400,
  "unknown-flow": 404,
  "flow-not-found": 404,
  "invalid-flow-token": 404,
  "step-not-found": 404,
  "history-unavailable": 404,
  "live-updates-unavailable": 404,
  "route-not-found": 404,
  "method-not-allowed": 405,
  "request-timeout": 408,
  "step-out-of-order": 409,
  "step-not-applicable": 409,
  "flow-completed": 409,
  "concurrent-update": 409,
  "idempotency-key-in-flight": 409,
  "flow-expired": 410,
  "definition-retired": 410,
  "precondition-failed": 412,
  "body-too-large": 413,
  "unsupported-media-type": 415,
  "expectation-failed": 417,
  "invalid-step-data": 422,
  "token-too-large": 422,
  "idempotency-key-reused": 422,
  "precondition-required": 428,
  "rate-limited": 429,
  "headers-too-large": 431,
  "store-unavailable": 503,
  "delivery-unavailable": 503,
  "funnel-unavailable": 404,
  "too-many-streams": 503,
  "definition-error": 500,
  "internal-error": 500,
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
  return statuses[code];
}

/**
 * Whether an error code is a refusal the server means to give under load or outage
 * (every 503: `store-unavailable`, `delivery-unavailable`, `too-many-streams`), not a
 * fault: it is logged as a warning without a stack, unlike a 500.
 *
 * @example isRefusal("too-many-streams") // true
 */
export function isRefusal(code: ErrorCode): boolean {
  return statuses[code] === 503;
}

/**
 * The RFC 9457 problem document of an error, its `title` and `detail` in `locale` (one of
 * `shippedLocales`; English otherwise). English keeps the detail the error was raised
 * with; another language has its catalogue's detail for the code, filled from the
 * error's extensions.
 *
 * @example problemDocument(new WaymarkError("flow-completed", "This flow is completed and read-only"), "de").title // "Der Ablauf ist abgeschlossen"
 */
export function problemDocument(error: WaymarkError, locale = "en"): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...error.extensions,
    type: problemType(error.code),
    title: translate(problemMessages, locale, error.code),
    status: statuses[error.code],
    detail: localizedDetail(error, locale),
  };
  if (error.errors.length > 0) body.errors = error.errors;
  return body;
}

/**
 * Every title a problem of `code` may carry: one per shipped language, English first.
 *
 * @example problemTitles("route-not-found") // ["Not found", "Nicht gefunden", "غير موجود"]
 */
export function problemTitles(code: ErrorCode): string[] {
  return [...new Set(shippedLocales.map((locale) => translate(problemMessages, locale, code)))];
}

function localizedDetail(error: WaymarkError, locale: string): string {
  const language = shippedLocaleOf(locale);
  if (language === undefined || language === "en") return error.message;
  const values: Record<string, string | number | boolean> = {
    recoverable: error.extensions.recoverableUntil === undefined ? "no" : "yes",
  };
  for (const [name, value] of Object.entries(error.extensions)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      values[name] = value;
    }
  }
  try {
    return translate(problemMessages, language, `${error.code}.detail`, values);
  } catch {
    // A detail whose placeholder this error lacks: the title says what happened.
    return translate(problemMessages, language, error.code);
  }
}

/**
 * Turns anything thrown into an `application/problem+json` response. Errors that are
 * not a `WaymarkError` become a 500 without their message (it may hold data). `request`,
 * when given, is the one being answered (see `textResponse`): its `Accept-Language`
 * chooses the language of `title` and `detail` among those Waymark ships, sent as
 * `Content-Language`, with `Vary: Accept-Language`; without it the problem is in English.
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
  const locale = request ? requestLocale(request) : "en";
  const response = textResponse(request, JSON.stringify(problemDocument(error, locale)), {
    status: problemStatus(error.code),
    headers: {
      "content-type": "application/problem+json",
      "cache-control": "no-store",
      "content-language": locale,
    },
  });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  if (request) varyOnLanguage(response.headers);
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
