import type { StepRejection } from "./types.ts";

/** Rejected-field counts are kept by the hour: one count per flow, hour, version, step and field. */
export const rejectionHourMs = 3_600_000;

/**
 * How long counts are kept at least: 90 days. SQLite and PostgreSQL delete older hours
 * in `purgeExpired`; Redis expires each hour's hash this long after the hour ends.
 */
export const rejectionKeepMs = 90 * 24 * rejectionHourMs;

/**
 * The hour (since the epoch) a time falls in.
 *
 * @example rejectionHour(7_200_000) // 2
 */
export function rejectionHour(at: number): number {
  return Math.floor(at / rejectionHourMs);
}

/**
 * The fields of a rejection, each once: a field named twice in one 422 counts once.
 *
 * @example rejectedFields({ fields: ["/*", "/*"] }) // ["/*"]
 */
export function rejectedFields(rejection: Pick<StepRejection, "fields">): string[] {
  return [...new Set(rejection.fields)];
}
