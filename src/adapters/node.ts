import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener, RequestError } from "@hono/node-server";
import { WaymarkError } from "../errors.ts";
import type { WaymarkHandler } from "../http/app.ts";
import { jsonMediaType } from "../http/body.ts";
import { problemResponse } from "../http/problem.ts";
import { answerNode } from "../http/text-response.ts";
import {
  declaredTooLarge,
  type HeaderLimits,
  headerRefusal,
  isUnder,
  settleHeaderLimits,
  writeProblem,
} from "./node-guards.ts";

export type { HeaderLimits } from "./node-guards.ts";

/**
 * A Node request listener, the shape `http.createServer`, Express's `app.use` and
 * Fastify's raw request and reply take. It answers every request under the handler's
 * `basePath`, errors included. Given Express's `next`, it passes on requests outside
 * `basePath`; without one, it answers them 404.
 *
 * @example createServer(toNodeListener(waymark)).listen(3000);
 */
export type NodeListener = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** What a framework may have left on the request before handing it over. */
interface MountedRequest extends IncomingMessage {
  /** Express: the full path, before the mount path was stripped from `url`. */
  originalUrl?: unknown;
  /** A body parser's result, when the stream has already been read. */
  body?: unknown;
  /** The body's bytes, read by the host; @hono/node-server answers from it. */
  rawBody?: unknown;
}

/** Requests whose body was read by someone else and cannot be recovered. */
const bodyLost = new WeakSet<object>();

/**
 * Turns a Waymark into a Node request listener, for `node:http`, Express 5 and Fastify 5.
 * It builds on `@hono/node-server`'s bridge (lazy `Request`, streamed bodies, aborts) and
 * leaves the global `Request` and `Response` alone.
 *
 * - The handler sees the full path (Express's `req.originalUrl` when present), so its
 *   `basePath` is the whole prefix: `app.use("/api", listener)` goes with
 *   `basePath: "/api"`. Mounted without a path (`app.use(listener)`), it calls `next()`
 *   for requests outside `basePath`, so the app's own routes after it still answer.
 * - Mount it before any body parser: Waymark then reads the bytes itself (its size limit,
 *   a 413 that keeps keep-alive connections usable, duplicate-key and depth checks). If a
 *   parser such as `express.json()` has read the stream already, the parsed `req.body` is
 *   sent on (a Buffer as is, a string as is unless the body was JSON, anything else
 *   re-serialised as JSON); a stream read
 *   with no `req.body` left answers 500 `internal-error` rather than an empty body.
 * - Anything the handler throws becomes a 500 problem+json (without its message); a
 *   malformed request target or Host header a 400 problem+json.
 * - The socket's remote address is handed to `fetch` as `remoteAddress`: the client a
 *   rate limit counts a request against, unless `rateLimit.key` names another. Behind a
 *   proxy that is the proxy's address (Express's `trust proxy` does not change it).
 * - A request with more header fields than `limits.maxHeaderCount` (100), or a request
 *   line and headers over `limits.maxHeaderBytes` (16 KiB) counted as sent, answers 431
 *   `headers-too-large` and closes its connection.
 * - Timeouts belong to the server it is mounted on: give node:http `headersTimeout`,
 *   `requestTimeout`, `keepAliveTimeout` and `connectionsCheckingInterval` (Node's
 *   defaults are 60 s, 300 s and 5 s, checked every 30 s), as `startServer` does. Node
 *   answers those itself, with a bare 408. Node also sends `100 Continue` to every
 *   `Expect: 100-continue` request unless the server has a `checkContinue` listener:
 *   {@link continueListener} refuses a declared body over the limit before its upload.
 *
 * @param limits the header limits, {@link HeaderLimits}.
 * @throws RangeError for a limit that is not a positive integer.
 * @example
 * // node:http
 * import { createServer } from "node:http";
 * import { createWaymark } from "waymark";
 * import { toNodeListener } from "waymark/node";
 * createServer(toNodeListener(createWaymark({ flows, store }))).listen(3000);
 *
 * @example
 * // node:http with timeouts (ms), at most 50 header fields, and 413 before an upload
 * const listener = toNodeListener(waymark, { maxHeaderCount: 50 });
 * const server = createServer(
 *   { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
 *   listener,
 * );
 * server.on("checkContinue", continueListener(waymark, listener));
 *
 * @example
 * // Express 5: at the path given as basePath, before express.json()
 * const app = express();
 * app.use("/api", toNodeListener(createWaymark({ flows, store, basePath: "/api" })));
 * app.use(express.json());
 *
 * @example
 * // Fastify 5: in an onRequest hook, which runs before Fastify reads the body
 * const listener = toNodeListener(createWaymark({ flows, store, basePath: "/api" }));
 * fastify.all("/api/*", {
 *   onRequest(request, reply, done) {
 *     reply.hijack();
 *     listener(request.raw, reply.raw);
 *     done();
 *   },
 * }, () => {});
 *
 * @example
 * // Fastify 5, in a handler (after Fastify parsed the body): hand the parsed body over
 * fastify.all("/api/*", (request, reply) => {
 *   reply.hijack();
 *   listener(Object.assign(request.raw, { body: request.body }), reply.raw);
 * });
 */
export function toNodeListener(waymark: WaymarkHandler, limits: HeaderLimits = {}): NodeListener {
  const headerLimits = settleHeaderLimits(limits);
  const listen = getRequestListener(
    (request, { incoming, outgoing }) =>
      bodyLost.has(incoming)
        ? problemResponse(
            new WaymarkError(
              "internal-error",
              "The request body was read before it reached Waymark; mount it before body parsers",
            ),
          )
        : answerNode(waymark, request, incoming.socket.remoteAddress, outgoing as ServerResponse),
    {
      // Replacing the host application's globals is not an adapter's business.
      overrideGlobalObjects: false,
      errorHandler: (error) =>
        problemResponse(
          error instanceof RequestError
            ? new WaymarkError("bad-request", "The request target or Host header is not valid")
            : error,
        ),
    },
  );

  const base = waymark.basePath;
  return (req, res, next) => {
    const incoming = req as MountedRequest;
    const target = typeof incoming.originalUrl === "string" ? incoming.originalUrl : req.url;
    // Left as it was for the routes after this one: Express routers rewrite `url`.
    if (next && !isUnder(base, target ?? "/")) return next();
    incoming.url = target;
    const refused = headerRefusal(incoming, headerLimits);
    if (refused) return writeProblem(res, refused);
    recoverBody(incoming);
    listen(incoming, res).catch((error: unknown) => res.destroy(asError(error)));
  };
}

/** Hands a body a parser already read back as bytes, or marks it as lost. */
function recoverBody(req: MountedRequest): void {
  if (req.method === "GET" || req.method === "HEAD") return;
  if (!(req.readableEnded || req.readableDidRead) || Buffer.isBuffer(req.rawBody)) return;
  if (req.body === undefined) {
    bodyLost.add(req);
    return;
  }
  // A string is raw text from a text parser, unless the body was JSON: then it is the
  // JSON string a parser such as express.json({ strict: false }) read.
  const raw =
    typeof req.body === "string" && !jsonMediaType.test(req.headers["content-type"] ?? "");
  try {
    req.rawBody = Buffer.isBuffer(req.body)
      ? req.body
      : Buffer.from(raw ? (req.body as string) : JSON.stringify(req.body));
  } catch {
    // A value JSON cannot hold (a BigInt, a cycle) was not parsed from JSON.
    bodyLost.add(req);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error("The response could not be written");
}

/**
 * A listener for node:http's `checkContinue` event, which Node emits instead of `request`
 * for a request sent with `Expect: 100-continue` (RFC 9110 §10.1.1) once a listener is
 * registered. A request under the handler's `basePath` whose `Content-Length` is over its
 * `maxBodyBytes` is refused at once, before the client sends the body: 413
 * `body-too-large` as problem+json, and the connection closed. Any other request gets
 * `100 Continue` and goes on to `listener`. `startServer` registers one itself.
 *
 * @param listener where accepted requests go: the server's request listener, such as
 *   the one {@link toNodeListener} made, or an Express app.
 * @example
 * const listener = toNodeListener(waymark);
 * const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, listener);
 * server.on("checkContinue", continueListener(waymark, listener));
 */
export function continueListener(
  waymark: WaymarkHandler,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const tooLarge = declaredTooLarge(waymark, req);
    if (tooLarge) return writeProblem(res, tooLarge);
    res.writeContinue();
    listener(req, res);
  };
}
