import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { type AddressInfo, Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import {
  answerClientError,
  clientProblem,
  declaredTooLarge,
  type HeaderLimits,
  headerRefusal,
  type InFlight,
  positive,
  settleHeaderLimits,
  writeProblem,
} from "./adapters/node-guards.ts";
import { WaymarkError } from "./errors.ts";
import type { DeliveryOptions, Logger, Waymark } from "./http/app.ts";
import { problemStatus } from "./http/problem.ts";
import { answerNode } from "./http/text-response.ts";
import type { FlowStore } from "./store/types.ts";

/**
 * Options of {@link startServer}. Past a timeout the server answers 408
 * `request-timeout` as problem+json (RFC 9457) and closes the connection; past a header
 * limit, 431 `headers-too-large` (see {@link HeaderLimits}).
 */
export interface ServerOptions extends HeaderLimits {
  waymark: Waymark;
  /** The store to purge and close; none in token mode. */
  store?: FlowStore | undefined;
  port: number;
  host: string;
  logger: Logger;
  /**
   * How often expired flows are purged from the store, in ms; 0 turns the sweep off, as
   * does a store that expires flows by itself.
   * @default 60000
   */
  purgeIntervalMs?: number | undefined;
  /**
   * How this instance delivers the store's outbox (webhooks and `onComplete`; see
   * `Waymark.startDelivery`), or `false` for an instance that delivers nothing, when
   * others do. Stopped on close, after the last request and before the store.
   * @default {}
   */
  delivery?: false | DeliveryOptions | undefined;
  /**
   * Time for a request's line and headers to arrive, in ms, from the connection's first
   * byte (or its opening, for a connection that sends none): Node's `headersTimeout`.
   * At most `requestTimeoutMs`.
   * @default 10000
   */
  headersTimeoutMs?: number | undefined;
  /**
   * Time for a whole request to arrive, headers and body, in ms: Node's
   * `requestTimeout`. A body that stalls or never ends is answered 408 when it passes.
   * @default 30000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * How long a keep-alive connection may sit idle between requests, in ms, before the
   * server closes it: Node's `keepAliveTimeout`. Behind a proxy that keeps connections
   * to the server open, make it longer than the proxy's own idle timeout.
   * @default 5000
   */
  keepAliveTimeoutMs?: number | undefined;
}

/** A listening server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /**
   * Stops accepting connections, ends the live update streams, lets in-flight requests
   * finish with `Connection: close` (as does any request that still arrives on a
   * kept-alive connection), then closes the store. Idle kept-alive connections are closed at once; with `waitForIdle`, they are
   * left to their peer or to the keep-alive timeout instead (up to `keepAliveTimeoutMs`),
   * so that a proxy never sends a request on a connection as it closes. `waymark serve`
   * waits on SIGTERM, from a process manager, and not on SIGINT, from a terminal.
   *
   * With `drainMs`, the connections still open after that long (a request that never
   * ends, a peer that never closes) are closed, so that the stop of the deliverer and
   * the store still run within a grace period.
   *
   * @example await server.close({ waitForIdle: true, drainMs: 5_000 });
   */
  close(options?: { waitForIdle?: boolean; drainMs?: number }): Promise<void>;
}

/**
 * Serves the handler on a Node HTTP server, with a periodic purge of expired flows, and
 * problem+json answers (RFC 9457) to what Node refuses before the handler sees it: a
 * request it cannot parse (400), headers or a body that arrive too slowly (408), headers
 * over the limits (431), an `Expect` other than `100-continue` (417). A request with
 * `Expect: 100-continue` and a `Content-Length` over the handler's `maxBodyBytes` is
 * answered 413 before its body is sent; any other gets `100 Continue`. Each of these
 * refusals is logged as `request refused` with its status and code.
 *
 * @throws RangeError for a timeout or limit that is not a positive integer, or
 *   `headersTimeoutMs` over `requestTimeoutMs`; the listen error for a port in use.
 * @example
 * const server = await startServer({ waymark, store, port: 3000, host: "127.0.0.1", logger });
 * @example
 * // Tighter limits: 5 s for headers, 15 s for a whole request, at most 50 header fields.
 * await startServer({ waymark, store, port: 3000, host: "0.0.0.0", logger,
 *   headersTimeoutMs: 5_000, requestTimeoutMs: 15_000, maxHeaderCount: 50 });
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { store, logger, waymark } = options;
  const limits = settleLimits(options);
  // Node checks both timeouts on this interval; a tenth of the shorter keeps them close
  // to their value (30 s by default would let a 10 s timeout run to 40 s).
  const checkEvery = Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10)));
  const refused = (error: WaymarkError) =>
    logger.info({ status: problemStatus(error.code), code: error.code }, "request refused");

  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve(
      {
        fetch: (request, { incoming, outgoing }) => {
          const tooLarge = headerRefusal(incoming as IncomingMessage, limits);
          if (!tooLarge) {
            return answerNode(
              waymark,
              request,
              incoming.socket.remoteAddress,
              outgoing as ServerResponse,
            );
          }
          refused(tooLarge);
          writeProblem(outgoing as ServerResponse, tooLarge);
          return RESPONSE_ALREADY_SENT;
        },
        port: options.port,
        hostname: options.host,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: checkEvery,
          maxHeaderSize: limits.maxHeaderBytes,
        },
      },
      () => resolve(created as Server),
    ) as Server;
    created.once("error", reject);
  });
  // Node keeps at most this many fields of a request; one more shows there were too many.
  server.maxHeadersCount = limits.maxHeaderCount + 1;

  // The request each connection is answering, for clientError to end its body.
  const inFlight = new WeakMap<Duplex, InFlight>();
  // The answers not yet sent, so that a drain can ask for their connections to close.
  const unanswered = new Set<ServerResponse>();
  let draining = false;
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    const entry = { req, res };
    inFlight.set(req.socket, entry);
    if (draining) res.setHeader("connection", "close");
    else unanswered.add(res);
    res.once("close", () => {
      unanswered.delete(res);
      if (inFlight.get(req.socket) === entry) inFlight.delete(req.socket);
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const current = inFlight.get(socket);
    const reading = current !== undefined && !current.req.complete;
    const problem = clientProblem(error, limits, reading);
    // The handler reading the body answers and logs the same problem.
    if (answerClientError(socket, problem, current) && problem && !reading) refused(problem);
  });
  // As continueListener in waymark/node does, after the header limits, logging refusals.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const refusal = headerRefusal(req, limits) ?? declaredTooLarge(waymark, req);
    if (refusal) {
      refused(refusal);
      return writeProblem(res, refusal);
    }
    res.writeContinue();
    server.emit("request", req, res);
  });
  server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
    const error = new WaymarkError(
      "expectation-failed",
      "The server meets no expectation but 100-continue",
    );
    refused(error);
    writeProblem(res, error);
  });

  const sweep = async () => {
    if (!store) return;
    try {
      const purged = await store.purgeExpired(new Date());
      waymark.countPurged?.(purged);
      if (purged > 0) logger.info({ purged }, "purged expired flows");
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.name : typeof error }, "purge failed");
    }
  };
  const intervalMs =
    !store || store.capabilities.expiresByItself ? 0 : (options.purgeIntervalMs ?? 60_000);
  const timer = intervalMs > 0 ? setInterval(sweep, intervalMs).unref() : undefined;
  const deliverer =
    options.delivery === false ? undefined : waymark.startDelivery(options.delivery ?? {});

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close({
      waitForIdle = false,
      drainMs,
    }: {
      waitForIdle?: boolean;
      drainMs?: number;
    } = {}) {
      clearInterval(timer);
      const drainTimer =
        drainMs === undefined ? undefined : setTimeout(() => server.closeAllConnections(), drainMs);
      drainTimer?.unref();
      // A keep-alive connection would otherwise be served until the drain runs out, by a
      // proxy that keeps sending on it: every answer from now on closes its connection
      // (RFC 9112 §9.6).
      draining = true;
      for (const res of unanswered) if (!res.headersSent) res.setHeader("connection", "close");
      unanswered.clear();
      // A live update stream never ends by itself: its client reconnects, with
      // Last-Event-ID, to an instance that is not going away.
      await waymark.liveUpdates.closeStreams();
      if (waitForIdle) {
        // net.Server's close: no new connections, done once every connection has ended.
        // http.Server's also closes idle kept-alive connections at once, and a proxy may
        // be sending a request on one at that instant: a 502 it cannot retry for a POST.
        // Idle ones are left to their peer, or to the keep-alive timeout, which behind a
        // proxy is longer than the proxy's own (see examples/nginx).
        await new Promise<void>((resolve, reject) =>
          NetServer.prototype.close.call(server, (error) => (error ? reject(error) : resolve())),
        );
        // Stops Node's timeout checks, which the close above leaves running.
        server.close();
      } else {
        await new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
      }
      clearTimeout(drainTimer);
      await deliverer?.stop();
      await store?.close();
    },
  };
}

/** The timeouts and header limits with their defaults, checked. */
function settleLimits(options: ServerOptions) {
  const headersTimeoutMs = positive("headersTimeoutMs", options.headersTimeoutMs ?? 10_000);
  const requestTimeoutMs = positive("requestTimeoutMs", options.requestTimeoutMs ?? 30_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new RangeError(
      `headersTimeoutMs (${headersTimeoutMs}) must not exceed requestTimeoutMs (${requestTimeoutMs})`,
    );
  }
  return {
    ...settleHeaderLimits(options),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: positive("keepAliveTimeoutMs", options.keepAliveTimeoutMs ?? 5_000),
  };
}
