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
 * @example counterOf(async () => new RateLimiterMemory({ points: 600, duration: 60 }))
 */
export function counterOf(open: () => Promise<RateLimiterAbstract>): RateLimitStore {
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
      const counted = await (await limiter()).consume(key, 1).catch((refusal: unknown) => {
        // Past the limit the library rejects with the count; anything else is an error.
        if (isCount(refusal)) return refusal;
        throw refusal;
      });
      return {
        totalHits: counted.consumedPoints,
        resetTime: new Date(Date.now() + counted.msBeforeNext),
      };
    },
    async decrement(key) {
      await (await limiter()).reward(key, 1);
    },
    async resetKey(key) {
      await (await limiter()).delete(key);
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
