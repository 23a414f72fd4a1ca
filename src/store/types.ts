import type { FlowRecord } from "../flow/types.ts";

/**
 * Where flow records live between requests. Small on purpose: every backend (SQLite,
 * PostgreSQL, Redis) implements these methods and passes one conformance suite.
 *
 * A step write costs one `load` and one `save`. Failures to reach the backend throw a
 * `WaymarkError` with code `store-unavailable`.
 *
 * @example
 * const record = await store.load(id);
 * if (record && (await store.save({ ...record, version: record.version + 1 }, record.version))) {
 *   // this write won the compare-and-set
 * }
 */
export interface FlowStore {
  /** Inserts a new record; the id is fresh, so it never collides in practice. */
  create(record: FlowRecord): Promise<void>;
  /** The record with this id, expired or not, or undefined once deleted or purged. */
  load(id: string): Promise<FlowRecord | undefined>;
  /**
   * Compare-and-set: writes `record` only if the stored version is `expectedVersion`.
   * Returns false, writing nothing, when another write got there first.
   */
  save(record: FlowRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Removes the record; false when there was none, or when `expectedVersion` is given
   * and the stored version differs (then nothing is removed).
   */
  delete(id: string, expectedVersion?: number): Promise<boolean>;
  /** Removes every record whose `expiresAt` is at or before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  /** Resolves when the backend answers; throws `store-unavailable` otherwise. */
  ping(): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
