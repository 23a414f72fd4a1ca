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
  /**
   * Removes every record whose `expiresAt` is at or before `now`, and idempotency keys
   * past their keeping time; returns how many flow records went.
   */
  purgeExpired(now: Date): Promise<number>;
  /**
   * Claims an `Idempotency-Key` for a request with this fingerprint, atomically. Returns
   * undefined when the caller now owns the key — a new key, one past its keeping time,
   * or an unfinished claim whose lease ran out — and must then `finishIdempotencyKey` or
   * `releaseIdempotencyKey`. Otherwise returns the existing entry and changes nothing.
   */
  claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyEntry | undefined>;
  /** Records the response of a claimed key, kept until `claim.keepUntil`. */
  finishIdempotencyKey(key: string, response: StoredResponse): Promise<void>;
  /** Gives a claimed key up (the request failed), so a retry can claim it at once. */
  releaseIdempotencyKey(key: string, fingerprint: string): Promise<void>;
  /** Resolves when the backend answers; throws `store-unavailable` otherwise. */
  ping(): Promise<void>;
  /** Releases connections and files. */
  close(): Promise<void>;
}

/** A claim on an idempotency key. */
export interface IdempotencyClaim {
  /** Identifies the request: a retry with the same key must bring the same one. */
  fingerprint: string;
  /** Epoch milliseconds until which an unfinished claim blocks others. */
  leaseUntil: number;
  /** Epoch milliseconds until which the key and its response are kept. */
  keepUntil: number;
  /** Epoch milliseconds of the claim: older entries past their times are taken over. */
  now: number;
}

/** An idempotency key already claimed: in flight until `response` is there. */
export interface IdempotencyEntry {
  fingerprint: string;
  response?: StoredResponse;
}

/** A response kept for replay. */
export interface StoredResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}
