import type { MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { WaymarkError } from "../errors.ts";
import { problemResponse } from "./problem.ts";

/**
 * Rate limiting of every request (OWASP API4, unrestricted resource consumption): at most
 * `limit` requests per client in each window of `windowMs`. Responses carry the IETF
 * RateLimit headers (`RateLimit`, `RateLimit-Policy`); past the limit the answer is 429
 * `rate-limited` with `Retry-After`.
 *
 * @example { limit: 600, windowMs: 60_000 }
 */
export interface RateLimitOptions {
  /** Requests allowed per client in one window: a positive integer. */
  limit: number;
  /**
   * The window, in milliseconds: whole seconds (the headers count in seconds), from
   * 1000 up to one day.
   */
  windowMs: number;
  /**
   * Which client a request counts against. Defaults to the connection's remote address
   * where the adapter provides it. Returning `undefined` (or `""`) falls back to that
   * address; with no address either, the request counts against one bucket shared by
   * every such request.
   *
   * @example (request) => request.headers.get("x-api-key") ?? undefined
   */
  key?: ((request: Request) => string | undefined) | undefined;
  /**
   * Where the counts live. Without it each instance counts in its own memory, so N
   * instances behind a load balancer allow up to N × `limit` per client. Any
   * hono-rate-limiter store (its `RedisStore`, for one) fits.
   * @default a memory store of this handler
   */
  store?: RateLimitStore | undefined;
}

/**
 * A counter of requests per client and window, the subset of hono-rate-limiter's
 * `Store` that Waymark relies on.
 */
export interface RateLimitStore {
  /** Called once with the options, before any count. */
  init?(options: { windowMs: number }): void;
  /** Counts one request of `key`; resolves the count in its window and when that ends. */
  increment(key: string): RateLimitCount | Promise<RateLimitCount>;
  /** Takes one request of `key` back. */
  decrement(key: string): void | Promise<void>;
  /** Forgets `key`. */
  resetKey(key: string): void | Promise<void>;
}

/** A client's count in its current window. */
export interface RateLimitCount {
  totalHits: number;
  resetTime?: Date;
}

/**
 * What the server knows about the connection a request came on, passed to
 * `Waymark.fetch` by the adapter (`toNodeListener` and `startServer` do).
 *
 * @example { remoteAddress: "203.0.113.7" }
 */
export interface ConnectionInfo {
  /** The peer's IP address: the client, or the proxy in front of the server. */
  remoteAddress?: string | undefined;
}

const maxWindowMs = 86_400_000;

/** What hono-rate-limiter leaves in the context: the part of its `RateLimitInfo` read here. */
interface LimitState {
  resetTime?: Date | undefined;
}

/**
 * The Hono environment of the limiter: the connection, and the count it leaves behind.
 * Declared here, not taken from hono-rate-limiter, whose types pull in DOM-only names
 * that a user's `tsc` without the DOM library cannot check.
 */
type LimiterEnv = { Bindings: ConnectionInfo; Variables: { rateLimit: LimitState } };

/**
 * The rate-limiting middleware: hono-rate-limiter with the draft-7 `RateLimit` and
 * `RateLimit-Policy` headers and a `rate-limited` problem past the limit.
 *
 * @throws Error when `limit` or `windowMs` is out of range, or `key` is not a function.
 * @example app.use(rateLimit({ limit: 600, windowMs: 60_000 }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<LimiterEnv> {
  const { limit, windowMs, key } = checked(options);
  const limiter = rateLimiter<LimiterEnv>({
    limit,
    windowMs,
    standardHeaders: "draft-7",
    keyGenerator: (c) => clientKey(c.req.raw, c.env.remoteAddress, key),
    handler: (c) => {
      const seconds = secondsUntil(c.get("rateLimit"), windowMs);
      return problemResponse(
        new WaymarkError(
          "rate-limited",
          `Too many requests: at most ${limit} every ${windowMs / 1000} seconds; retry in ${seconds} seconds`,
        ),
        { "retry-after": String(seconds) },
        c.req.raw,
      );
    },
    ...(options.store ? { store: failingAsUnavailable(options.store) } : {}),
  });
  return async (c, next) => {
    // The limiter sets its headers (RateLimit, RateLimit-Policy, Retry-After) with
    // `c.header` before the route answers; Hono would copy them only into Responses made
    // with `c.json` and the like, and routes here build their own. So they are kept
    // aside and set on whatever answers, which stays the route's own Response object.
    const headers = new Headers();
    const header = c.header;
    c.header = ((name: string, value?: string) => {
      if (value !== undefined) headers.set(name, value);
    }) as typeof c.header;
    let refused: Response | undefined;
    try {
      refused =
        (await limiter(c, async () => {
          c.header = header;
          await next();
        })) || undefined;
    } finally {
      c.header = header;
    }
    const answer = refused ?? c.res;
    for (const [name, value] of headers) answer.headers.set(name, value);
    return refused;
  };
}

/**
 * The client address the nearest proxy recorded: the last entry of `X-Forwarded-For`.
 * Only meaningful behind a proxy that appends to that header (nginx's
 * `$proxy_add_x_forwarded_for`); without one, clients can write any value there.
 *
 * @example createWaymark({ flows, store, rateLimit: { limit: 600, windowMs: 60_000, key: lastForwardedFor } })
 */
export function lastForwardedFor(request: Request): string | undefined {
  const entries = request.headers.get("x-forwarded-for")?.split(",");
  return entries?.at(-1)?.trim() || undefined;
}

/** The bucket a request counts against: its key, else its address, else the shared one. */
function clientKey(
  request: Request,
  remoteAddress: string | undefined,
  key: RateLimitOptions["key"],
): string {
  const chosen = key?.(request);
  if (chosen) return `key:${chosen}`;
  if (remoteAddress) return `address:${remoteAddress}`;
  return "unknown";
}

/** Whole seconds until the window ends, at least 1. */
function secondsUntil(info: LimitState, windowMs: number): number {
  const ms = info.resetTime ? info.resetTime.getTime() - Date.now() : windowMs;
  return Math.max(1, Math.ceil(ms / 1000));
}

/** A store whose failures answer 503 `store-unavailable` rather than a 500. */
function failingAsUnavailable(store: RateLimitStore): RateLimitStore {
  return {
    ...(store.init ? { init: (options) => store.init?.(options) } : {}),
    async increment(key) {
      try {
        return await store.increment(key);
      } catch (cause) {
        throw new WaymarkError("store-unavailable", "The rate limit store is unavailable", {
          cause,
        });
      }
    },
    decrement: (key) => store.decrement(key),
    resetKey: (key) => store.resetKey(key),
  };
}

function checked(options: RateLimitOptions): RateLimitOptions {
  const { limit, windowMs, key } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`rateLimit.limit must be a positive integer, not ${String(limit)}`);
  }
  if (
    !Number.isSafeInteger(windowMs) ||
    windowMs % 1000 !== 0 ||
    windowMs < 1000 ||
    windowMs > maxWindowMs
  ) {
    // The RateLimit headers count in whole seconds.
    throw new Error(
      `rateLimit.windowMs must be whole seconds in milliseconds, from 1000 to ${maxWindowMs} (one day), not ${String(windowMs)}`,
    );
  }
  if (key !== undefined && typeof key !== "function") {
    throw new Error("rateLimit.key must be a function of the request");
  }
  return options;
}
