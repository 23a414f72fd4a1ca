import { connect, type Socket } from "node:net";

/** What one TCP connection to a server saw. */
export interface RawExchange {
  /** Everything the server sent, as Latin-1. */
  text: string;
  /** ms from connecting until the server closed the connection; undefined if it did not. */
  closedAfterMs: number | undefined;
}

/** Options of {@link rawExchange}. */
export interface RawOptions {
  /** How long to wait for the server to close the connection before closing it. */
  waitMs?: number;
  /** Called once `payload` is written, to keep writing (a body that never ends). */
  onOpen?: (socket: Socket) => void;
  /** Sees the text so far after each chunk the server sends, to write more. */
  onData?: (socket: Socket, text: string) => void;
}

/**
 * Connects to `url`'s host and port over plain TCP, writes `payload`, and collects what
 * the server sends until it closes the connection or `waitMs` passes (then the client
 * closes it).
 */
export function rawExchange(
  url: string,
  payload: string,
  options: RawOptions = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    let text = "";
    let closedAfterMs: number | undefined;
    const socket = connect(Number(port), hostname, () => {
      if (payload) socket.write(payload);
      options.onOpen?.(socket);
    });
    const timer = setTimeout(() => socket.destroy(), options.waitMs ?? 5_000);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      options.onData?.(socket, text);
    });
    // The server's FIN, or a reset: either way it closed the connection.
    const closed = () => {
      closedAfterMs ??= performance.now() - started;
    };
    socket.on("end", closed);
    socket.on("error", closed);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs });
    });
  });
}

/** One HTTP/1.1 response read from raw text. */
export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The responses in a server's raw output, in order (interim `1xx` ones included), each
 * body read by its `Content-Length`. An incomplete last response is left out.
 */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) return responses;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = status < 200 ? 0 : Number(headers["content-length"] ?? 0);
    if (rest.length < end + 4 + length) return responses;
    responses.push({ status, headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}
