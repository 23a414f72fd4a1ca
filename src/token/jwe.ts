import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from "node:crypto";

/**
 * Keys for sealing and opening tokens: the first seals, every one opens (rotation: put
 * the new key first, drop the old one once its tokens have expired).
 */
export interface Keyring {
  /** The key id new tokens are sealed with. */
  readonly sealing: string;
  /** Every key that may open a token, by key id. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Why a token could not be opened; never a reason to answer 5xx. */
export class TokenError extends Error {
  override readonly name = "TokenError";
}

/** The `typ` of every token Waymark seals: a token of any other type is refused. */
export const tokenType = "waymark-flow+jwe";

const kidPattern = /^[A-Za-z0-9_-]{1,64}$/;
const partPattern = /^[A-Za-z0-9_-]*$/;
/** Far above any header Waymark writes; refuses headers built to be expensive. */
const maxHeaderLength = 512;

/**
 * Random IVs drawn from a pool: one call for the operating system's randomness per 341
 * tokens instead of one per token, which costs more than the encryption itself.
 */
const ivPool = Buffer.alloc(12 * 341);
let ivOffset = ivPool.length;

function nextIv(): Buffer {
  if (ivOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + 12));
  ivOffset += 12;
  return iv;
}

/**
 * Reads `WAYMARK_TOKEN_KEYS`: `kid:<base64url of 32 bytes>`, comma-separated, the
 * sealing key first. Throws naming the entry at fault.
 *
 * @example parseKeyring("2026-11:q83vEjRWeJCrze8SNFZ4mquszvESNFZ4mquszvESNFY")
 */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const [index, entry] of spec
    .split(",")
    .map((part) => part.trim())
    .entries()) {
    const [kid = "", encoded = ""] = entry.split(":", 2);
    if (!kidPattern.test(kid)) {
      throw new Error(`key ${index + 1}: the key id must be 1 to 64 letters, digits, - or _`);
    }
    const key = Buffer.from(encoded, "base64url");
    if (key.length !== 32 || key.toString("base64url") !== encoded) {
      throw new Error(`key "${kid}": expected 32 bytes in base64url (use \`waymark keygen\`)`);
    }
    if (keys.has(kid)) throw new Error(`key "${kid}" is listed twice`);
    keys.set(kid, key);
  }
  const [sealing] = keys.keys();
  if (sealing === undefined) throw new Error("no key given");
  return { sealing, keys };
}

/**
 * A new random key entry for `WAYMARK_TOKEN_KEYS`.
 *
 * @example generateKeyEntry("2026-11") // "2026-11:…43 characters…"
 */
export function generateKeyEntry(kid: string): string {
  if (!kidPattern.test(kid)) throw new Error("the key id must be 1 to 64 letters, digits, - or _");
  return `${kid}:${randomBytes(32).toString("base64url")}`;
}

/**
 * Seals a JSON value into a compact JWE (`alg: "dir"`, `enc: "A256GCM"`, with `kid` and
 * `typ`), URL-safe. Uses Node's AES-256-GCM directly; the result opens with any JOSE
 * library.
 *
 * @example const token = sealToken({ id: "…" }, keyring);
 */
export function sealToken(payload: unknown, keyring: Keyring): string {
  const key = keyring.keys.get(keyring.sealing) as Buffer;
  const header = Buffer.from(
    JSON.stringify({ alg: "dir", enc: "A256GCM", kid: keyring.sealing, typ: tokenType }),
  ).toString("base64url");
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  // The protected header is the additional authenticated data (RFC 7516 §5.1).
  cipher.setAAD(Buffer.from(header, "ascii"));
  const ciphertext = Buffer.concat([
    cipher.update(JSON.stringify(payload), "utf8"),
    cipher.final(),
  ]);
  const tag = cipher.getAuthTag();
  return `${header}..${iv.toString("base64url")}.${ciphertext.toString("base64url")}.${tag.toString("base64url")}`;
}

/**
 * Opens a token sealed by {@link sealToken} (or any compact JWE with the same algorithms
 * and a known key). Pins `dir` and `A256GCM`, refuses compression, other `typ`s, unknown
 * keys, and anything malformed or tampered with, by throwing {@link TokenError}.
 *
 * @example const record = openToken(token, keyring);
 */
export function openToken(token: string, keyring: Keyring): unknown {
  const parts = token.split(".");
  if (parts.length !== 5 || !parts.every(isCanonicalBase64url)) {
    throw new TokenError("not a compact JWE");
  }
  const [header = "", encryptedKey, iv = "", ciphertext = "", tag = ""] = parts;
  if (header.length > maxHeaderLength) throw new TokenError("header too long");
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  } catch {
    throw new TokenError("unreadable header");
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new TokenError("unreadable header");
  }
  if (fields.alg !== "dir" || fields.enc !== "A256GCM") throw new TokenError("wrong algorithm");
  if (fields.zip !== undefined) throw new TokenError("compression is refused");
  if (fields.typ !== tokenType) throw new TokenError("wrong token type");
  if (fields.crit !== undefined) throw new TokenError("unsupported critical header");
  const key = typeof fields.kid === "string" ? keyring.keys.get(fields.kid) : undefined;
  if (!key) throw new TokenError("unknown key");
  if (encryptedKey !== "") throw new TokenError("dir carries no encrypted key");
  const ivBytes = Buffer.from(iv, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new TokenError("bad iv or tag");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, ivBytes, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(header, "ascii"));
    decipher.setAuthTag(tagBytes);
    const plain = Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64url")),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString("utf8"));
  } catch {
    throw new TokenError("tampered, or sealed with another key");
  }
}

/** Last characters that leave no stray bits, by the part's length modulo 4. */
const cleanEndings: Readonly<Record<number, RegExp>> = { 2: /[AQgw]$/, 3: /[AEIMQUYcgkosw048]$/ };

/**
 * Canonical unpadded base64url: the alphabet only, no impossible length, and no stray
 * bits in the last character. A lenient decoder would otherwise read several spellings
 * as one token, and an altered character could go unnoticed.
 */
function isCanonicalBase64url(part: string): boolean {
  const remainder = part.length % 4;
  if (remainder === 1 || !partPattern.test(part)) return false;
  return cleanEndings[remainder]?.test(part) ?? true;
}
