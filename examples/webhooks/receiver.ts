/**
 * A webhook receiver for Waymark's events: it checks each request's Standard Webhooks
 * signature with the specification's reference library, answers 401 to one that does
 * not verify, and handles each event once, however often it is delivered.
 *
 * Run it: WEBHOOK_SECRET=whsec_… npx tsx examples/webhooks/receiver.ts
 * and point Waymark at it: WAYMARK_WEBHOOK_URL=http://127.0.0.1:4000/hooks
 */
import { createServer, type Server } from "node:http";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** What Waymark sends: `data` names steps and fields, never the values entered. */
export interface WaymarkWebhook {
  type: string;
  timestamp: string;
  data: {
    id: string;
    flow: string;
    flowId: string;
    version: number;
    step?: string;
    fields?: string[];
  };
}

/**
 * A receiver that verifies every request and calls `handle` once per event id. A real
 * one keeps the ids it handled in its database, in the transaction of what it does.
 */
export function createReceiver(
  secret: string,
  handle: (event: WaymarkWebhook) => Promise<void>,
): Server {
  const webhook = new Webhook(secret);
  const handled = new Set<string>();
  return createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    // Verify the raw body as received: re-serialised JSON would not match the signature.
    const body = Buffer.concat(chunks).toString("utf8");
    let event: WaymarkWebhook;
    try {
      // Checks webhook-signature (HMAC-SHA256 of id.timestamp.body) and that
      // webhook-timestamp is within 5 minutes, against replays.
      event = webhook.verify(body, request.headers as Record<string, string>) as WaymarkWebhook;
    } catch (error) {
      response.writeHead(error instanceof WebhookVerificationError ? 401 : 400).end();
      return;
    }
    // Delivery is at least once: a retry carries the same webhook-id.
    const id = String(request.headers["webhook-id"]);
    if (!handled.has(id)) {
      try {
        await handle(event);
      } catch {
        // Anything but a 2xx makes Waymark try again later.
        response.writeHead(500).end();
        return;
      }
      handled.add(id);
    }
    response.writeHead(204).end();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) throw new Error("set WEBHOOK_SECRET to the whsec_… secret Waymark signs with");
  createReceiver(secret, async (event) => {
    console.log(event.type, event.data.flow, event.data.flowId, event.data.step ?? "");
  }).listen(Number(process.env.PORT ?? 4000), "127.0.0.1");
}
