import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";

/**
 * Cross-origin access for browsers on other origins (CORS): the origins allowed to call
 * the API, answered in `Access-Control-Allow-Origin`.
 *
 * @example { origins: ["https://app.example.com"] }
 */
export interface CorsOptions {
  /** Exact origins (`https://app.example.com`), or `"*"` for any origin. */
  origins: readonly string[] | "*";
  /**
   * Let those pages send cookies and HTTP authentication (`fetch(…, { credentials:
   * "include" })`): answers `Access-Control-Allow-Credentials: true`. Only with a list
   * of origins, never with `"*"`, which browsers refuse with credentials.
   * @default false
   */
  credentials?: boolean | undefined;
}

/**
 * What a cross-origin page may send and read; the API's own methods and headers.
 * `Accept-Language` needs no permission while its value keeps to the characters the
 * Fetch standard lets through (letters, digits, ` *,-.;=`); listed, any value does.
 * `Content-Language` is readable without being exposed.
 */
const allowMethods = ["GET", "HEAD", "POST", "PUT", "DELETE"];
const allowHeaders = [
  "Content-Type",
  "If-Match",
  "If-None-Match",
  "Idempotency-Key",
  "Authorization",
  "Accept-Language",
];
const exposeHeaders = [
  "ETag",
  "Location",
  "Retry-After",
  "RateLimit",
  "RateLimit-Policy",
  "Idempotent-Replayed",
];
/** How long a browser may reuse a preflight's answer, in seconds. */
const maxAge = 600;

/**
 * The CORS middleware: hono/cors with the API's methods and headers. It answers
 * preflight requests (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) with
 * 204 itself; any other `OPTIONS` goes on to the routes, which answer 405 as without it.
 *
 * @throws Error naming an entry of `origins` that is not an origin, or for `credentials`
 * with `"*"`.
 * @example app.use(cors({ origins: ["https://app.example.com"] }));
 */
export function cors(options: CorsOptions): MiddlewareHandler {
  const { origins } = options;
  if (origins === "*" && options.credentials) {
    throw new Error('cors.credentials needs a list of origins: browsers refuse them with "*"');
  }
  if (origins !== "*") {
    if (!Array.isArray(origins) || origins.length === 0) {
      throw new Error('cors.origins must be "*" or a list of at least one origin');
    }
    for (const origin of origins) {
      const problem = originProblem(origin);
      if (problem) throw new Error(`cors.origins: ${problem}`);
    }
  }
  const handler = honoCors({
    origin: origins === "*" ? "*" : [...origins],
    allowMethods,
    allowHeaders,
    exposeHeaders,
    maxAge,
    credentials: options.credentials === true,
  });
  return (c, next) =>
    c.req.method === "OPTIONS" && !isPreflight(c.req.raw) ? next() : handler(c, next);
}

/**
 * Why a string is not an origin as browsers send it in `Origin` (`https://host[:port]`,
 * no path, no trailing slash), or `undefined` when it is one.
 *
 * @example originProblem("https://app.example.com/") // a message: no trailing slash
 */
export function originProblem(origin: string): string | undefined {
  if (origin === "*") return 'use "*" on its own to allow any origin, not in a list';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `"${origin}" is not an origin like https://app.example.com`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `"${origin}" is not an http or https origin`;
  }
  if (parsed.origin !== origin) {
    return `"${origin}" is not an origin as browsers send it: write "${parsed.origin}" (scheme, lowercase host and port only)`;
  }
  return undefined;
}

function isPreflight(request: Request): boolean {
  return request.headers.has("origin") && request.headers.has("access-control-request-method");
}
