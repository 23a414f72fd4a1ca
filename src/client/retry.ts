import type { Answer } from "./transport.ts";
import type { RetryOptions } from "./types.ts";

/** A retry policy with every setting filled in. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The policy from the client's `retry` option; `false` means one attempt. */
export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
  const attempts = options?.attempts ?? 3;
  return {
    // A bound, always: NaN or Infinity would retry forever.
    attempts: Number.isFinite(attempts) ? Math.max(1, Math.floor(attempts)) : 1,
    baseDelayMs: options?.baseDelayMs ?? 250,
    maxDelayMs: options?.maxDelayMs ?? 5_000,
  };
}

/** Gateway and availability statuses: the request may not have been applied, or may have. */
const transientStatuses = new Set([502, 503, 504]);

/**
 * Whether an answer is worth sending the same request again for: no answer at all, a
 * transient status, or (for a create with an `Idempotency-Key`) the key's first request
 * still running. Only call it for requests that are safe to repeat.
 */
export function isTransient(answer: Answer): boolean {
  if (!answer.reached) return true;
  if (transientStatuses.has(answer.status)) return true;
  return answer.status === 409 && problemCode(answer.body) === "idempotency-key-in-flight";
}

/** The `{code}` of a `urn:waymark:problem:{code}` body, if it is one. */
export function problemCode(body: unknown): string | undefined {
  const type = (body as { type?: unknown } | undefined)?.type;
  const prefix = "urn:waymark:problem:";
  return typeof type === "string" && type.startsWith(prefix)
    ? type.slice(prefix.length)
    : undefined;
}

/**
 * Sends `attempt` until it answers something `retryable` refuses, or the policy's
 * attempts are spent. Waits `Retry-After` when the answer has one (and answers as it
 * stands when that is longer than `maxDelayMs`), else an exponential backoff with jitter.
 */
export async function withRetries(
  policy: RetryPolicy,
  attempt: () => Promise<Answer>,
  retryable: (answer: Answer) => boolean,
): Promise<Answer> {
  for (let sent = 1; ; sent++) {
    const answer = await attempt();
    if (sent >= policy.attempts || !retryable(answer)) return answer;
    const wait = delayAfter(answer, sent, policy);
    if (wait === undefined) return answer;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function delayAfter(answer: Answer, sent: number, policy: RetryPolicy): number | undefined {
  const asked = answer.reached
    ? retryAfterMs(answer.headers.get("retry-after"), Date.now())
    : undefined;
  if (asked !== undefined) return asked <= policy.maxDelayMs ? asked : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (sent - 1));
  // Half fixed, half random: clients that failed together do not retry together.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * A `Retry-After` value in milliseconds: delay-seconds, or an HTTP-date counted from
 * `now` (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 *
 * @example retryAfterMs("2", Date.now()) // 2000
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
