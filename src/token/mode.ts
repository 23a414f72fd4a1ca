import { WaymarkError } from "../errors.ts";
import { isPlainObject } from "../flow/json.ts";
import type { FlowRecord } from "../flow/types.ts";
import { type Keyring, openToken, sealToken, TokenError } from "../token/jwe.ts";
import type { FlowStore } from "./types.ts";

/** Options of {@link createTokenStore}. */
export interface TokenStoreOptions {
  /** The keys: the first seals, all open. */
  keyring: Keyring;
  /**
   * Largest token issued; a write whose flow would seal larger is refused (422).
   * @default 8192
   */
  maxTokenBytes?: number;
}

/**
 * Token mode: no store at all. The flow id *is* the flow record, sealed in a compact JWE
 * (`dir` + `A256GCM`), so the server writes nothing anywhere and every write hands the
 * client a new flow id. There is nothing to delete, purge, compare-and-set or
 * deduplicate: an older token still opens until it expires (the client rewinds its own
 * flow), and `Idempotency-Key` is refused.
 *
 * @example const store = createTokenStore({ keyring: parseKeyring(process.env.WAYMARK_TOKEN_KEYS!) });
 */
export function createTokenStore(options: TokenStoreOptions): FlowStore {
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  const unsupported = () => {
    throw new WaymarkError(
      "idempotency-key-unsupported",
      "Without a store there is nowhere to remember an Idempotency-Key: send the request without it",
    );
  };
  return {
    expiresByItself: true,
    // The GCM tag authenticates this exact token: two branches never share it.
    etag: (_record, flowId) => `"t${flowId.slice(flowId.lastIndexOf(".") + 1)}"`,
    locate(record) {
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
    async create() {
      return true;
    },
    async load(id) {
      if (id.length > maxTokenBytes) {
        throw new WaymarkError("invalid-flow-token", "The flow token is longer than any issued");
      }
      let record: unknown;
      try {
        record = openToken(id, options.keyring);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        throw new WaymarkError(
          "invalid-flow-token",
          "The flow token is malformed, altered, or sealed with a key this server does not hold",
        );
      }
      if (!isFlowRecord(record)) {
        throw new WaymarkError("invalid-flow-token", "The flow token does not hold a flow");
      }
      return record;
    },
    async save() {
      return true;
    },
    async delete() {
      return true;
    },
    async purgeExpired() {
      return 0;
    },
    claimIdempotencyKey: unsupported,
    finishIdempotencyKey: unsupported,
    releaseIdempotencyKey: unsupported,
    async ping() {},
    async close() {},
  };
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
    (updatedAt as number) <= (expiresAt as number)
  );
}
