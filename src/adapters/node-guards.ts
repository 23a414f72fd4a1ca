import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { WaymarkError } from "../errors.ts";
import type { WaymarkHandler } from "../http/app.ts";
import { bodyTooLarge } from "../http/body.ts";
import { problemDocument, problemStatus } from "../http/problem.ts";

/**
 * Limits on a request's header section, which the Node adapters check before the
 * handler sees the request: over either one, the answer is 431 `headers-too-large`.
 *
 * @example { maxHeaderBytes: 8_192, maxHeaderCount: 50 }
 */
export interface HeaderLimits {
  /**
   * Largest request line and header section, in bytes, counted as sent (RFC 9112 §2.1):
   * the request line, each field as `name: value` with its line break, and the blank
   * line, so that empty fields count too. Node's own limit (`maxHeaderSize`, 16 KiB by
   * default) counts only the target, names and values, and answers 431 as well.
   * @default 16384
   */
  maxHeaderBytes?: number | undefined;
  /**
   * Most header fields in one request. Node's `maxHeadersCount` only drops fields past
   * its own limit; this refuses the request.
   * @default 100
   */
  maxHeaderCount?: number | undefined;
}

/** {@link HeaderLimits} with every default filled in. */
export type SettledHeaderLimits = Readonly<Required<{ [K in keyof HeaderLimits]: number }>>;

/**
 * The limits with their defaults, checked.
 *
 * @throws RangeError for a limit that is not a positive integer.
 */
export function settleHeaderLimits(limits: HeaderLimits = {}): SettledHeaderLimits {
  return Object.freeze({
    maxHeaderBytes: positive("maxHeaderBytes", limits.maxHeaderBytes ?? 16_384),
    maxHeaderCount: positive("maxHeaderCount", limits.maxHeaderCount ?? 100),
  });
}

/**
 * A positive integer option, as given.
 *
 * @throws RangeError naming the option otherwise.
 */
export function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The 431 for a request whose header section is over the limits; undefined otherwise. */
export function headerRefusal(
  req: IncomingMessage,
  limits: SettledHeaderLimits,
): WaymarkError | undefined {
  const raw = req.rawHeaders;
  if (raw.length / 2 > limits.maxHeaderCount) {
    return new WaymarkError(
      "headers-too-large",
      `The request has more than ${limits.maxHeaderCount} header fields`,
    );
  }
  // Node reads the request line and fields as Latin-1: one character per byte.
  // "METHOD SP target SP HTTP/1.1 CRLF", each "name: value CRLF", then CRLF.
  let size = (req.method?.length ?? 0) + (req.url?.length ?? 0) + 14;
  for (const field of raw) size += field.length + 2;
  if (size > limits.maxHeaderBytes) {
    return new WaymarkError(
      "headers-too-large",
      `The request line and headers exceed the limit of ${limits.maxHeaderBytes} bytes`,
    );
  }
  return undefined;
}

/**
 * The 413 for a request under the handler's `basePath` whose `Content-Length` is over
 * its `maxBodyBytes`, known before the body is sent; undefined otherwise.
 */
export function declaredTooLarge(
  waymark: WaymarkHandler,
  req: IncomingMessage,
): WaymarkError | undefined {
  const value = req.headers["content-length"];
  const declared = value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : 0;
  return declared > waymark.maxBodyBytes && isUnder(waymark.basePath, req.url ?? "/")
    ? bodyTooLarge(waymark.maxBodyBytes)
    : undefined;
}

/**
 * Writes a problem+json answer and closes the connection after it: the request's body,
 * if any, is left unread.
 */
export function writeProblem(res: ServerResponse, error: WaymarkError): void {
  const body = JSON.stringify(problemDocument(error));
  res.writeHead(problemStatus(error.code), {
    "content-type": "application/problem+json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

/** Whether `target`'s path is `base` or below it. */
export function isUnder(base: string, target: string): boolean {
  if (base === "") return true;
  const path = target.split("?", 1)[0] ?? "";
  return path === base || path.startsWith(`${base}/`);
}

/** The request a connection is answering, as the server's `clientError` handler needs it. */
export interface InFlight {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * The problem a Node `clientError` stands for, as Node's own answers map them: a timeout
 * 408, headers over `maxHeaderSize` 431, chunk extensions over Node's limit 413, anything
 * else 400. Undefined for a connection the client reset: there is no one to answer.
 */
export function clientProblem(
  error: NodeJS.ErrnoException,
  limits: { maxHeaderBytes: number; headersTimeoutMs: number; requestTimeoutMs: number },
  reading: boolean,
): WaymarkError | undefined {
  switch (error.code) {
    case "ECONNRESET":
      return undefined;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return reading
        ? new WaymarkError(
            "request-timeout",
            `The request did not arrive in full within ${limits.requestTimeoutMs} ms`,
          )
        : new WaymarkError(
            "request-timeout",
            `The request headers did not arrive within ${limits.headersTimeoutMs} ms`,
          );
    case "HPE_HEADER_OVERFLOW":
      return new WaymarkError(
        "headers-too-large",
        `The request line and headers exceed the limit of ${limits.maxHeaderBytes} bytes`,
      );
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new WaymarkError("body-too-large", "The body's chunk extensions are too large");
    default:
      return new WaymarkError("bad-request", "The request could not be parsed as HTTP");
  }
}

/**
 * How long a connection refused from `clientError` stays open for reading after its
 * answer, so that a client still sending sees the answer rather than a reset.
 */
const lingerMs = 1_000;

/**
 * Answers a request Node refused before or while reading it (a parse error, a timeout)
 * on its raw socket, then closes the connection. Nothing is written once a response has
 * started on the connection, which would corrupt it. A body still being read is ended
 * with the same problem, so the handler reading it answers (and logs) that status too.
 * Called again for a connection already answered, it does nothing.
 *
 * @returns whether the problem was written.
 */
export function answerClientError(
  socket: Duplex,
  problem: WaymarkError | undefined,
  current: InFlight | undefined,
): boolean {
  if (!problem || !socket.writable) {
    if (!problem) socket.destroy();
    return false;
  }
  const reading = current !== undefined && !current.req.complete;
  const answering = current === undefined || (reading && !current.res.headersSent);
  if (answering) socket.write(rawProblem(problem));
  socket.end();
  if (reading) {
    // Destroys the socket too: the answer above is already written, as Node's own does.
    current.req.destroy(problem);
  } else {
    const timer = setTimeout(() => socket.destroy(), lingerMs).unref();
    socket.once("close", () => clearTimeout(timer));
  }
  return answering;
}

/** A complete HTTP/1.1 response carrying a problem, closing the connection. */
function rawProblem(error: WaymarkError): string {
  const status = problemStatus(error.code);
  const body = JSON.stringify(problemDocument(error));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    "Content-Type: application/problem+json",
    "Cache-Control: no-store",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}
