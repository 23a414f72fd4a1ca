/**
 * Rate limiting of every request (OWASP API4, unrestricted resource consumption): at most
 * `limit` requests per client in each window of `windowMs`. Responses carry the IETF
 * RateLimit headers (`RateLimit`, `RateLimit-Policy`); past the limit the answer is 429
 * `rate-limited` with `Retry-After`.
 *
 * @example { limit: 600, windowMs: 60_000 }
 */
export interface RateLimitOptions {
  /** Requests allowed per client in one window. */
  limit: number;
  /** The window, in milliseconds. */
  windowMs: number;
  /**
   * Which client a request counts against. Defaults to the connection's remote address
   * where the adapter provides it.
   */
  key?: ((request: Request) => string | undefined) | undefined;
}
