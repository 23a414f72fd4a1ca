import type { Delivery } from "../store/types.ts";

/** Milliseconds the first retry waits, before jitter. */
export const FIRST_RETRY_MS = 5_000;
/** The longest wait between two attempts, before jitter: 6 hours. */
export const MAX_RETRY_MS = 6 * 3_600_000;
/** How long a delivery is tried, from the time it entered the outbox: 3 days. */
export const GIVE_UP_AFTER_MS = 3 * 86_400_000;

/**
 * The wait after the `failures`-th failed attempt of a delivery, in milliseconds:
 * `min(5 s × 2^(failures − 1), 6 h)`, times a jitter factor in [0.8, 1.2) taken from
 * `random` (a number in [0, 1), as `Math.random` gives). Without jitter that is 5 s, 10 s,
 * 20 s, 40 s … up to 6 h from the 14th failure on. The jitter spreads the retries of
 * many deliveries that failed together (a receiver that was down) so they do not all
 * come back at once. The Standard Webhooks spec
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
 * asks senders to retry with exponential back-off; this is that back-off.
 *
 * @param failures - 1 for the first failure, 2 for the second, …
 * @param random - the jitter source; inject a fixed one for a deterministic schedule.
 * @example retryDelayMs(3, () => 0.5) // 20_000
 */
export function retryDelayMs(failures: number, random: () => number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What comes after a failed attempt: another at `nextAttemptAt`, or none. */
export type AfterFailure = { state: "retry"; nextAttemptAt: number } | { state: "dead" };

/**
 * What follows a failed attempt of `delivery` made at `now` (epoch ms): a retry after
 * {@link retryDelayMs} (this failure is its `attempts + 1`-th), or `dead` once that
 * retry would fall more than 3 days ({@link GIVE_UP_AFTER_MS}) after the delivery's
 * `createdAt`. A dead delivery stays in the outbox until an operator puts it back
 * (`waymark deliveries retry`); one put back after its 3 days gets one attempt more.
 *
 * @example afterFailure({ ...delivery, attempts: 0 }, now, () => 0.5) // { state: "retry", nextAttemptAt: now + 5_000 }
 */
export function afterFailure(
  delivery: Pick<Delivery, "attempts" | "createdAt">,
  now: number,
  random: () => number,
): AfterFailure {
  const nextAttemptAt = now + retryDelayMs(delivery.attempts + 1, random);
  return nextAttemptAt > delivery.createdAt + GIVE_UP_AFTER_MS
    ? { state: "dead" }
    : { state: "retry", nextAttemptAt };
}
