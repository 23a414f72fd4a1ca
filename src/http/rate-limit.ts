import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { WaymarkError } from "../errors.ts";
import type { RateLimitPolicy, RateLimitStore } from "../store/types.ts";
import { problemResponse } from "./problem.ts";

export type { RateLimitCount, RateLimitStore } from "../store/types.ts";

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
   * Where the counts live. By default they live in the handler's flow store when it keeps
   * counts (`rateLimitCounter`: SQLite, PostgreSQL and Redis do, through
   * rate-limiter-flexible), so every instance sharing that store counts against one
   * limit; in token mode, or with a store that keeps none, in this instance's memory.
   * Any hono-rate-limiter store fits here.
   * @default the flow store's counter, else a memory store of this handler
   */
  store?: RateLimitStore | undefined;
  /**
   * A second limit, per flow: at most `limit` requests addressed to one flow
   * (`/{flow}/{flowId}/…`) in each window of `windowMs`, from every client together.
   * Counted like the first, in the shared store. Not applied in token mode, where a
   * flow's id changes with every write. Off unless given.
   *
   * @example { limit: 120, windowMs: 60_000 }
   */
  perFlow?: { limit: number; windowMs: number } | undefined;
}

/** What the handler tells the limiter about where it runs. */
export interface RateLimitContext {
  /** Counts kept in the flow store, when it keeps any. */
  counters?: ((policy: RateLimitPolicy) => RateLimitStore) | undefined;
  /** The flow a request addresses (`{flow}/{flowId}`), if any. */
  flowOf?: ((request: Request) => string | undefined) | undefined;
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
 * `RateLimit-Policy` headers and a `rate-limited` problem past the limit; with
 * `perFlow`, a second limit per flow, past which the answer is the same problem.
 *
 * @throws Error when `limit` or `windowMs` is out of range, or `key` is not a function.
 * @example app.use(rateLimit({ limit: 600, windowMs: 60_000 }));
 */
export function rateLimit(
  options: RateLimitOptions,
  context: RateLimitContext = {},
): MiddlewareHandler<LimiterEnv> {
  const { limit, windowMs, key, perFlow } = checked(options);
  const counted = (policy: RateLimitPolicy) => {
    const store = policy.name === "client" ? options.store : undefined;
    const chosen = store ?? context.counters?.(policy);
    return chosen ? { store: failingAsUnavailable(chosen) } : {};
  };
  const perClient = limiter(
    { name: "client", limit, windowMs },
    (c) => clientKey(c.req.raw, c.env.remoteAddress, key),
    true,
    counted,
  );
  const flowOf = context.flowOf;
  const perFlowLimiter =
    perFlow && flowOf
      ? limiter(
          { name: "flow", ...checked(perFlow, "rateLimit.perFlow") },
          (c) => `flow:${flowOf(c.req.raw) ?? ""}`,
          false,
          counted,
          (c) => flowOf(c.req.raw) === undefined,
        )
      : undefined;
  const limiters = perFlowLimiter ? [perClient, perFlowLimiter] : [perClient];
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
    const run = async (index: number): Promise<void> => {
      const current = limiters[index];
      if (!current) {
        c.header = header;
        await next();
        return;
      }
      // A later limit's refusal is kept: this one's answer is then nothing.
      refused = (await current(c, () => run(index + 1))) || refused;
    };
    try {
      await run(0);
    } finally {
      c.header = header;
    }
    const answer = refused ?? c.res;
    for (const [name, value] of headers) answer.headers.set(name, value);
    return refused;
  };
}

/** One hono-rate-limiter limit, answering `rate-limited` past it. */
function limiter(
  policy: RateLimitPolicy,
  keyGenerator: (c: Context<LimiterEnv>) => string,
  standardHeaders: boolean,
  counted: (policy: RateLimitPolicy) => { store?: RateLimitStore },
  skip?: (c: Context<LimiterEnv>) => boolean,
): MiddlewareHandler<LimiterEnv> {
  const { limit, windowMs } = policy;
  const per = policy.name === "flow" ? " on this flow" : "";
  return rateLimiter<LimiterEnv>({
    limit,
    windowMs,
    standardHeaders: standardHeaders ? "draft-7" : false,
    keyGenerator,
    ...(skip ? { skip } : {}),
    handler: (c) => {
      const seconds = secondsUntil(c.get("rateLimit"), windowMs);
      return problemResponse(
        new WaymarkError(
          "rate-limited",
          `Too many requests${per}: at most ${limit} every ${windowMs / 1000} seconds; retry in ${seconds} seconds`,
        ),
        { "retry-after": String(seconds) },
        c.req.raw,
      );
    },
    ...counted(policy),
  });
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

function checked<T extends Pick<RateLimitOptions, "limit" | "windowMs" | "key">>(
  options: T,
  name = "rateLimit",
): T {
  const { limit, windowMs, key } = options;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`${name}.limit must be a positive integer, not ${String(limit)}`);
  }
  if (
    !Number.isSafeInteger(windowMs) ||
    windowMs % 1000 !== 0 ||
    windowMs < 1000 ||
    windowMs > maxWindowMs
  ) {
    // The RateLimit headers count in whole seconds.
    throw new Error(
      `${name}.windowMs must be whole seconds in milliseconds, from 1000 to ${maxWindowMs} (one day), not ${String(windowMs)}`,
    );
  }
  if (key !== undefined && typeof key !== "function") {
    throw new Error(`${name}.key must be a function of the request`);
  }
  return options;
}
