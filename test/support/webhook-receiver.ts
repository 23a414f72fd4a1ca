import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request the receiver got, with what verifying its signature said. */
export interface ReceivedWebhook {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The payload, when the signature verified; undefined when it did not. */
  payload: unknown;
  verifyError?: string;
}

/** How the receiver answers a request: a status, headers, and a delay before answering. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A real webhook receiver on 127.0.0.1, on a free port. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  received: ReceivedWebhook[];
  /** Sets how the next requests are answered; by default 204. */
  answer(next: (request: ReceivedWebhook, count: number) => Answer): void;
  close(): Promise<void>;
}

/**
 * Starts a receiver that verifies every request with the Standard Webhooks reference
 * library, `new Webhook(secret).verify(body, headers)`, and answers 401 to one that does
 * not verify.
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  let answer: (request: ReceivedWebhook, count: number) => Answer = () => ({ status: 204 });
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const entry: ReceivedWebhook = {
      path: request.url ?? "",
      method: request.method ?? "",
      headers: request.headers,
      body,
      payload: undefined,
    };
    try {
      entry.payload = verifier.verify(body, request.headers as Record<string, string>);
    } catch (error) {
      entry.verifyError = (error as Error).message;
    }
    received.push(entry);
    const {
      status,
      headers = {},
      delayMs = 0,
    } = entry.verifyError ? { status: 401 } : answer(entry, received.length);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (response.destroyed) return;
    response
      .writeHead(status, headers)
      .end(status === 204 ? undefined : "receiver body, never recorded");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    answer(next) {
      answer = next;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** A fresh signing secret: `whsec_` and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
}
