import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { WaymarkError } from "./errors.ts";
import type { Logger, Waymark } from "./http/app.ts";
import { problemDocument, problemStatus } from "./http/problem.ts";
import { answerNode } from "./http/text-response.ts";
import type { FlowStore } from "./store/types.ts";

/** Options of {@link startServer}. */
export interface ServerOptions {
  waymark: Waymark;
  /** The store to purge and close; none in token mode. */
  store?: FlowStore | undefined;
  port: number;
  host: string;
  logger: Logger;
  /**
   * How often expired flows are purged from the store; 0 turns the sweep off, as does a
   * store that expires flows by itself.
   * @default 60000
   */
  purgeIntervalMs?: number | undefined;
}

/** A listening server. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, closes the store. */
  close(): Promise<void>;
}

/**
 * Serves the handler on a Node HTTP server, with a periodic purge of expired flows and
 * problem+json answers to requests Node rejects before they reach the handler.
 *
 * @example const server = await startServer({ waymark, store, port: 3000, host: "127.0.0.1", logger });
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { store, logger } = options;
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve(
      {
        fetch: (request, { incoming, outgoing }) =>
          answerNode(
            options.waymark,
            request,
            incoming.socket.remoteAddress,
            outgoing as ServerResponse,
          ),
        port: options.port,
        hostname: options.host,
      },
      () => resolve(created as Server),
    ) as Server;
    created.once("error", reject);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(rawProblem(error.code === "HPE_HEADER_OVERFLOW"));
  });

  const sweep = async () => {
    if (!store) return;
    try {
      const purged = await store.purgeExpired(new Date());
      if (purged > 0) logger.info({ purged }, "purged expired flows");
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.name : typeof error }, "purge failed");
    }
  };
  const intervalMs =
    !store || store.capabilities.expiresByItself ? 0 : (options.purgeIntervalMs ?? 60_000);
  const timer = intervalMs > 0 ? setInterval(sweep, intervalMs).unref() : undefined;

  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      await store?.close();
    },
  };
}

/** A complete HTTP/1.1 response for requests Node rejects before the handler sees them. */
function rawProblem(headersTooLarge: boolean): string {
  const error = headersTooLarge
    ? new WaymarkError("headers-too-large", "The request headers exceed the limit of 16 KiB")
    : new WaymarkError("bad-request", "The request could not be parsed as HTTP");
  const body = JSON.stringify(problemDocument(error));
  return [
    `HTTP/1.1 ${problemStatus(error.code)} ${headersTooLarge ? "Request Header Fields Too Large" : "Bad Request"}`,
    "Content-Type: application/problem+json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}
