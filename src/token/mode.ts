import { WaymarkError } from "../errors.ts";
import { isPlainObject } from "../flow/json.ts";
import type { FlowRecord } from "../flow/types.ts";
import { type Keyring, openToken, sealToken, TokenError } from "./jwe.ts";

/** Options of {@link createTokenMode}. */
export interface TokenModeOptions {
  /** The keys: the first seals, all open. Build one with `parseKeyring`. */
  keyring: Keyring;
  /**
   * Largest token issued, in bytes; a write whose flow would seal larger is refused
   * (422 `token-too-large`), and a longer flow id is refused unopened.
   * @default 8192
   */
  maxTokenBytes?: number | undefined;
}

/**
 * Token mode: how flow ids map to records when there is no store. The flow id *is* the
 * record, sealed in a compact JWE (`dir` + `A256GCM`), so nothing is kept anywhere and
 * every write hands the client a new flow id. It addresses flows; it persists nothing,
 * so there is nothing to compare-and-set, delete, purge or deduplicate.
 *
 * @example tokens.open(tokens.seal(record)).version === record.version // true
 */
export interface TokenMode {
  readonly kind: "token";
  /** Largest token issued, in bytes (`TokenModeOptions.maxTokenBytes`). */
  readonly maxTokenBytes: number;
  /**
   * The flow id of a record: the record sealed.
   * @throws WaymarkError `token-too-large` when the token would pass `maxTokenBytes`.
   */
  seal(record: FlowRecord): string;
  /**
   * The record a flow id holds.
   * @throws WaymarkError `invalid-flow-token` for a token that is too long, malformed,
   * altered, sealed with a key not held, or that holds no flow record.
   */
  open(flowId: string): FlowRecord;
  /**
   * The strong ETag of a token: from its GCM authentication tag, since replayed older
   * tokens can grow branches that share a version number.
   */
  etag(flowId: string): string;
}

/**
 * Creates token mode for `createWaymark({ flows, tokens })`. An older token still opens
 * until it expires (its holder rewinds their own flow), and `Idempotency-Key` is refused
 * (400 `idempotency-key-unsupported`).
 *
 * @throws Error when `maxTokenBytes` is not a positive integer.
 * @example
 * import { createTokenMode, parseKeyring } from "waymark/token";
 * const tokens = createTokenMode({ keyring: parseKeyring(process.env.WAYMARK_TOKEN_KEYS ?? "") });
 * const waymark = createWaymark({ flows: [onboarding], tokens });
 */
export function createTokenMode(options: TokenModeOptions): TokenMode {
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  if (!Number.isSafeInteger(maxTokenBytes) || maxTokenBytes < 1) {
    throw new Error("maxTokenBytes must be a positive integer");
  }
  return {
    kind: "token",
    maxTokenBytes,
    seal(record) {
      const token = sealToken(record, options.keyring);
      if (token.length > maxTokenBytes) {
        throw new WaymarkError(
          "token-too-large",
          `The flow would need a ${token.length}-byte token; the limit is ${maxTokenBytes}`,
          { extensions: { maxTokenBytes } },
        );
      }
      return token;
    },
    open(flowId) {
      if (flowId.length > maxTokenBytes) {
        throw new WaymarkError("invalid-flow-token", "The flow token is longer than any issued");
      }
      let record: unknown;
      try {
        record = openToken(flowId, options.keyring);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        throw invalidFlowToken();
      }
      if (!isFlowRecord(record)) {
        throw new WaymarkError("invalid-flow-token", "The flow token does not hold a flow");
      }
      return record;
    },
    // The GCM tag authenticates this exact token: two branches never share it.
    etag: (flowId) => `"t${flowId.slice(flowId.lastIndexOf(".") + 1)}"`,
  };
}

/**
 * The refusal of a token that does not open: also what a caller its flow's access mode
 * refuses gets, so the two cannot be told apart.
 */
export function invalidFlowToken(): WaymarkError {
  return new WaymarkError(
    "invalid-flow-token",
    "The flow token is malformed, altered, or sealed with a key this server does not hold",
  );
}

/** Latest time a Date can hold, in epoch milliseconds. */
const maxTime = 8.64e15;

/** Defence in depth: only Waymark seals tokens, but nothing in one may crash a request. */
function isFlowRecord(value: unknown): value is FlowRecord {
  const record = value as Partial<FlowRecord> | null;
  if (typeof record !== "object" || record === null) return false;
  const { createdAt, updatedAt, expiresAt, data } = record;
  const times = [createdAt, updatedAt, expiresAt];
  return (
    typeof record.id === "string" &&
    typeof record.flow === "string" &&
    Number.isSafeInteger(record.definitionVersion) &&
    Number.isSafeInteger(record.version) &&
    isPlainObject(data) &&
    Object.values(data).every(isPlainObject) &&
    times.every(
      (time) => Number.isSafeInteger(time) && (time as number) >= 0 && (time as number) <= maxTime,
    ) &&
    (createdAt as number) <= (updatedAt as number) &&
    (updatedAt as number) <= (expiresAt as number) &&
    (record.keepUntil === undefined ||
      (Number.isSafeInteger(record.keepUntil) &&
        record.keepUntil >= (expiresAt as number) &&
        record.keepUntil <= maxTime)) &&
    (record.migratedFrom === undefined ||
      (Number.isSafeInteger(record.migratedFrom.version) &&
        Number.isSafeInteger(record.migratedFrom.at))) &&
    (record.returnedSteps === undefined ||
      (isPlainObject(record.returnedSteps) &&
        Object.values(record.returnedSteps).every(
          (step) => isPlainObject(step?.data) && Array.isArray(step.errors),
        )))
  );
}
