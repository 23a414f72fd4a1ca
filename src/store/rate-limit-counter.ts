import type { RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimitPolicy, RateLimitStore } from "./types.ts";

/** The table (SQLite, PostgreSQL) the rate limit counts live in. */
export const rateLimitTable = "waymark_rate_limits";

/**
 * Rate limit counts kept by a rate-limiter-flexible limiter, in the shape the HTTP layer
 * counts with. `open` builds the limiter on first use, so the library is loaded only
 * where a rate limit is set; a failure to open is retried on the next request rather
 * than kept. The stores create the limiter's table with their own schema.
 *
 * `within` runs each call the limiter makes on the backend: a store passes the same
 * deadline its own calls have, so a frozen backend answers `store-unavailable` in time
 * rather than holding the request (the limiter's own client calls are not bounded by it).
 *
 * @example counterOf(async () => new RateLimiterMemory({ points: 600, duration: 60 }))
 * @example counterOf(openLimiter, (call) => attempt(call, 2000))
 */
export function counterOf(
  open: () => Promise<RateLimiterAbstract>,
  within: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): RateLimitStore {
  let opening: Promise<RateLimiterAbstract> | undefined;
  const limiter = () => {
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    async increment(key) {
      const opened = await limiter();
      const counted = await within(() =>
        opened.consume(key, 1).catch((refusal: unknown) => {
          // Past the limit the library rejects with the count; anything else is an error.
          if (isCount(refusal)) return refusal;
          throw refusal;
        }),
      );
      return {
        totalHits: counted.consumedPoints,
        resetTime: new Date(Date.now() + counted.msBeforeNext),
      };
    },
    async decrement(key) {
      const opened = await limiter();
      await within(() => opened.reward(key, 1));
    },
    async resetKey(key) {
      const opened = await limiter();
      await within(() => opened.delete(key));
    },
  };
}

/** The options every rate-limiter-flexible limiter takes, from a policy. */
export function limiterOptions(policy: RateLimitPolicy, prefix = "") {
  return {
    points: policy.limit,
    duration: policy.windowMs / 1000,
    keyPrefix: `${prefix}${policy.name}`,
  };
}

function isCount(value: unknown): value is RateLimiterRes {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Error) &&
    typeof (value as RateLimiterRes).consumedPoints === "number"
  );
}
