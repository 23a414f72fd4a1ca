import type { FieldError } from "./contract/problem.ts";

/**
 * The closed set of failure causes Waymark reports. Each layer raises these codes; only
 * the HTTP layer knows which status each one becomes (see `src/http/problem.ts`).
 *
 * @example if (error instanceof WaymarkError && error.code === "flow-expired") restart();
 */
export const errorCodes = [
  "bad-request",
  "invalid-json",
  "invalid-idempotency-key",
  "idempotency-key-unsupported",
  "unknown-flow",
  "flow-not-found",
  "invalid-flow-token",
  "step-not-found",
  "history-unavailable",
  "funnel-unavailable",
  "route-not-found",
  "method-not-allowed",
  "request-timeout",
  "step-out-of-order",
  "step-not-applicable",
  "flow-completed",
  "concurrent-update",
  "idempotency-key-in-flight",
  "flow-expired",
  "definition-retired",
  "precondition-failed",
  "body-too-large",
  "unsupported-media-type",
  "expectation-failed",
  "invalid-step-data",
  "idempotency-key-reused",
  "token-too-large",
  "precondition-required",
  "rate-limited",
  "headers-too-large",
  "store-unavailable",
  "delivery-unavailable",
  "definition-error",
  "internal-error",
] as const;

/** One of {@link errorCodes}. */
export type ErrorCode = (typeof errorCodes)[number];

export type { FieldError } from "./contract/problem.ts";

/** Options for {@link WaymarkError}. */
export interface WaymarkErrorOptions {
  /** Field-level problems, for `invalid-step-data`. */
  errors?: readonly FieldError[];
  /** Extra members for the problem document, such as the step to do first. */
  extensions?: Readonly<Record<string, unknown>>;
  /**
   * Whole seconds a client should wait before retrying, sent as `Retry-After` (RFC 9110
   * §10.2.3) with `store-unavailable` and `idempotency-key-in-flight`; 1 when not given.
   */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * The one error type of Waymark: a code from {@link errorCodes} and a human-readable
 * detail. The engine returns it; stores and the HTTP layer throw it.
 *
 * @example new WaymarkError("flow-completed", "This flow is completed and read-only")
 */
export class WaymarkError extends Error {
  override readonly name = "WaymarkError";
  readonly code: ErrorCode;
  readonly errors: readonly FieldError[];
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Seconds for `Retry-After`, where the code sends one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, detail: string, options: WaymarkErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options.errors ?? [];
    this.extensions = options.extensions ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
