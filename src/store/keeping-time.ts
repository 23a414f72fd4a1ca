import type { FlowRecord } from "../flow/types.ts";

/**
 * Until when a store keeps a record: its `keepUntil`, or its `expiresAt` when it has
 * none (epoch milliseconds). `purgeExpired` goes by this, not by the expiry.
 *
 * @example keepingTime({ ...record, expiresAt: 1000, keepUntil: 5000 }) // 5000
 */
export function keepingTime(record: FlowRecord): number {
  return record.keepUntil ?? record.expiresAt;
}
