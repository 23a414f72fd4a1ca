import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { WaymarkHandler } from "./app.ts";

/**
 * Requests a Node server of Waymark's answers ({@link answerNode}): it writes a
 * {@link TextResponse} to the socket itself, so nothing else reads its inner state.
 */
const fromNode = new WeakSet<Request>();

/**
 * The answer for a rendered text body (JSON, a problem document): a {@link TextResponse}
 * for a request a Node server of Waymark's will write, a standard `Response` for any other
 * caller. Other runtimes (Deno, Bun, Workers) and frameworks may read a `Response`'s
 * internal state directly, which a `TextResponse` leaves empty.
 */
export function textResponse(
  request: Request | undefined,
  text: string,
  init: { status: number; headers: Record<string, string> },
): Response {
  return request !== undefined && fromNode.has(request)
    ? new TextResponse(text, init)
    : new Response(text, init);
}

/**
 * A `Response` whose body is a string Waymark rendered (JSON, a problem document), kept
 * as that string. On Node, `new Response(text)` builds a Web `ReadableStream` at once,
 * which a Node server then reads back chunk by chunk; this one builds it only if someone
 * reads `body`. Every body method (`text`, `json`, `arrayBuffer`, `blob`, `bytes`,
 * `formData`, `clone`, `body`, `bodyUsed`) behaves as the standard's: each reads the
 * body once. The Node servers (`toNodeListener`, `startServer`) write the string
 * straight to the socket ({@link writeTextResponse}).
 */
export class TextResponse extends Response {
  readonly #text: string;
  /** The headers as given, until someone asks for `headers`. */
  readonly #given: HeadersInit;
  #headers: Headers | undefined;
  /** The standard response the body methods read, made on first use. */
  #read: Response | undefined;

  /**
   * @param text the body, sent as UTF-8
   * @param init the status, and the headers as a plain record
   */
  constructor(text: string, init: { status: number; statusText?: string; headers?: HeadersInit }) {
    // A null body and no headers: nothing for the base class to build yet.
    super(null, { status: init.status, statusText: init.statusText ?? "" });
    this.#text = text;
    this.#given = init.headers ?? {};
  }

  override get headers(): Headers {
    this.#headers ??= new Headers(this.#given);
    return this.#headers;
  }

  /** The headers as a record, read without building a `Headers` when nobody changed them. */
  get headerRecord(): Record<string, string | string[]> {
    const given = this.#given;
    if (!this.#headers && !(given instanceof Headers) && !Array.isArray(given)) return { ...given };
    const record: Record<string, string | string[]> = {};
    const headers = this.headers;
    for (const [name, value] of headers) record[name] = value;
    if (headers.has("set-cookie")) record["set-cookie"] = headers.getSetCookie();
    return record;
  }

  /** The body as rendered, while nobody has read it. */
  get unreadText(): string | undefined {
    return this.bodyUsed ? undefined : this.#text;
  }

  get #reader(): Response {
    // With its Content-Type, which `blob()` takes as the Blob's type.
    const type = this.headers.get("content-type");
    this.#read ??= new Response(
      this.#text,
      type === null ? {} : { headers: { "content-type": type } },
    );
    return this.#read;
  }

  override get body(): NonNullable<Response["body"]> {
    return this.#reader.body as NonNullable<Response["body"]>;
  }

  override get bodyUsed(): boolean {
    return this.#read?.bodyUsed ?? false;
  }

  override text(): Promise<string> {
    return this.#reader.text();
  }

  override json(): Promise<unknown> {
    return this.#reader.json();
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.#reader.arrayBuffer();
  }

  override blob(): Promise<Blob> {
    return this.#reader.blob();
  }

  override bytes(): ReturnType<Response["bytes"]> {
    return this.#reader.bytes();
  }

  override formData(): Promise<FormData> {
    return this.#reader.formData();
  }

  override clone(): Response {
    if (this.bodyUsed || this.#read?.body?.locked) {
      throw new TypeError("Response.clone: the body has already been read or is being read");
    }
    const { status, statusText, headers } = this;
    return new TextResponse(this.#text, { status, statusText, headers: new Headers(headers) });
  }
}

/**
 * Writes a {@link TextResponse} nobody has read to a Node response, with its headers and
 * a `Content-Length`, and says so; false (writing nothing) for any other response.
 */
export function writeTextResponse(response: Response, res: ServerResponse): boolean {
  const text = response instanceof TextResponse ? response.unreadText : undefined;
  if (text === undefined) return false;
  const headers = (response as TextResponse).headerRecord;
  headers["content-length"] = String(Buffer.byteLength(text));
  res.writeHead(response.status, response.statusText || undefined, headers);
  res.end(text);
  return true;
}

/**
 * The handler's answer, a JSON body written straight to the socket (no Web stream to
 * build and read back), anything else left to the bridge.
 */
export async function answerNode(
  waymark: WaymarkHandler,
  request: Request,
  remoteAddress: string | undefined,
  outgoing: ServerResponse,
): Promise<Response> {
  fromNode.add(request);
  const response = await waymark.fetch(request, { remoteAddress });
  return writeTextResponse(response, outgoing) ? RESPONSE_ALREADY_SENT : response;
}
