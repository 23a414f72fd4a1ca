import { WaymarkError } from "../errors.ts";
import { findDuplicateKey } from "./duplicate-keys.ts";

/** Limits on request bodies. */
export interface BodyLimits {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects accepted. */
  maxDepth: number;
}

/**
 * How far past the limit an oversized body is still read (and discarded) so that a
 * keep-alive client sees the 413 instead of a reset; beyond this the connection closes.
 */
const drainFactor = 16;

/** `application/json` and `application/*+json`, with or without parameters. */
export const jsonMediaType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a request body as JSON: checks the media type (415), the size (413, draining the
 * rest), UTF-8 and syntax (400), nesting depth, numbers past a double and duplicate
 * member names (400, I-JSON). Content-Length only chooses how the body is read; the
 * limit applies to the bytes read.
 */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  const refused = mediaTypeRefusal(request.headers);
  if (refused) throw await afterDraining(request.body, limits.maxBytes * drainFactor, refused);
  return parseJson(await readBody(request, limits), limits);
}

/**
 * An optional JSON body, under the same limits as every other: undefined when the request
 * has none; otherwise as {@link readJsonBody} reads it (413, 415, 400).
 */
export async function readOptionalJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  const bytes = await readBody(request, limits);
  if (bytes.byteLength === 0) return undefined;
  const refused = mediaTypeRefusal(request.headers);
  if (refused) throw refused;
  return parseJson(bytes, limits);
}

/** 415 for a body that is coded or not JSON, naming what is accepted. */
function mediaTypeRefusal(headers: Headers): WaymarkError | undefined {
  const encoding = headers.get("content-encoding")?.trim().toLowerCase() ?? "identity";
  if (encoding !== "identity") {
    return new WaymarkError("unsupported-media-type", "Send the body without Content-Encoding", {
      extensions: { acceptEncoding: "identity" },
    });
  }
  const contentType = headers.get("content-type") ?? "";
  if (jsonMediaType.test(contentType)) return undefined;
  const shown = contentType ? `"${contentType.slice(0, 100)}"` : "none";
  return new WaymarkError("unsupported-media-type", `Expected application/json, got ${shown}`);
}

/** The JSON value of a body's bytes: 400 unless it is UTF-8, JSON and I-JSON, shallow enough. */
function parseJson(bytes: Uint8Array, limits: BodyLimits): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new WaymarkError("invalid-json", "The body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the body back; the client has it already.
    throw new WaymarkError("invalid-json", "The body is not valid JSON");
  }
  if (depth(value) > limits.maxDepth) {
    throw new WaymarkError("invalid-json", `The body nests deeper than ${limits.maxDepth} levels`);
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new WaymarkError(
      "invalid-json",
      "The body repeats a member name in one object (I-JSON)",
      {
        errors: [{ path: duplicate, message: "This name appears more than once in its object" }],
      },
    );
  }
  return value;
}

/**
 * Refuses a number past the IEEE 754 double range, which JSON.parse reads as Infinity
 * and no store keeps (I-JSON, RFC 7493 §2.2).
 */
function overflowing(): WaymarkError {
  return new WaymarkError(
    "invalid-json",
    "The body holds a number too large for an IEEE 754 double (RFC 7493)",
  );
}

/**
 * The body's bytes, whatever their type: 413 past `maxBytes` (draining the rest). A body
 * whose `Content-Length` is within the limit is read whole, which lets the Node adapter
 * hand over the socket's bytes without building a stream; the limit is still checked
 * on the bytes read, never on the header alone.
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Uint8Array> {
  const declared = declaredLength(request.headers);
  if (declared !== undefined && declared <= limits.maxBytes) {
    const whole = await readWhole(request);
    if (whole.byteLength <= limits.maxBytes) return whole;
    throw bodyTooLarge(limits.maxBytes);
  }
  const bytes = await readAtMost(request.body, limits.maxBytes);
  if (bytes) return bytes;
  throw await afterDraining(
    request.body,
    limits.maxBytes * (drainFactor - 1),
    bodyTooLarge(limits.maxBytes),
  );
}

/** The 413 of a body over `maxBytes` bytes, with the limit in its problem as `maxBytes`. */
export function bodyTooLarge(maxBytes: number): WaymarkError {
  return new WaymarkError("body-too-large", `The body exceeds the limit of ${maxBytes} bytes`, {
    extensions: { maxBytes },
  });
}

/** `Content-Length` as a number of bytes, when it is one. */
function declaredLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** All of a body; one cut off by the client is a 400, as in {@link readChunk}. */
async function readWhole(request: Request): Promise<Uint8Array> {
  try {
    return new Uint8Array(await request.arrayBuffer());
  } catch (error) {
    throw cutOff(error);
  }
}

/** Errors answered before the body could be drained: their connection must close. */
const undrained = new WeakSet<WaymarkError>();

/** Whether the connection should close after answering this error (unread body left). */
export function mustCloseAfter(error: unknown): boolean {
  return error instanceof WaymarkError && undrained.has(error);
}

async function afterDraining(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  error: WaymarkError,
): Promise<WaymarkError> {
  if (!(await discard(body, max))) undrained.add(error);
  return error;
}

/** The body's bytes, or undefined as soon as it passes `max` bytes (the rest unread). */
async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await readChunk(reader);
      if (done) break;
      size += value.byteLength;
      if (size > max) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads and drops up to `max` more bytes; true when the body ended within them. */
async function discard(body: ReadableStream<Uint8Array> | null, max: number): Promise<boolean> {
  if (!body || body.locked) return !body;
  const reader = body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await readChunk(reader);
      if (done) return true;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        return false;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The next chunk; a body cut off by the client (reset, abort) is a 400, not a 500. */
async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (error) {
    throw cutOff(error);
  }
}

/**
 * The error for a body that ended early: a 400, unless the server ended the stream with
 * the error to answer (as `startServer` does when the request outlives its time: 408).
 */
function cutOff(cause: unknown): WaymarkError {
  if (cause instanceof WaymarkError) return cause;
  return new WaymarkError("bad-request", "The request body ended before it was complete", {
    cause,
  });
}

/**
 * Nesting depth of a parsed JSON value, computed without recursion; on the way, refuses
 * numbers JSON.parse could only read as Infinity.
 */
function depth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, level] = item;
    if (typeof node === "number" && !Number.isFinite(node)) throw overflowing();
    if (typeof node !== "object" || node === null) continue;
    deepest = Math.max(deepest, level + 1);
    for (const child of Object.values(node)) stack.push([child, level + 1]);
  }
  return deepest;
}
