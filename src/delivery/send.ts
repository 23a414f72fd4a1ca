import { Webhook } from "standardwebhooks";
import type { Delivery } from "../store/types.ts";
import type { EventHandler } from "./deliverer.ts";
import type { WebhookEndpoint } from "./destinations.ts";
import {
  type AttemptResult,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  errorName,
  type Fetch,
  sendWebhook,
} from "./webhook.ts";

/** How one attempt ended; `final` when it cannot succeed later (no such destination). */
export type Attempt = AttemptResult & { final?: true };

/** What a sender needs: the destinations as configured, and the clock and fetch to use. */
export interface SenderOptions {
  endpoints: readonly WebhookEndpoint[];
  handlers: Readonly<Record<string, EventHandler>>;
  leaseMs: number;
  now: () => number;
  fetch: Fetch;
}

/**
 * A function that makes one attempt at a delivery: a signed POST for `webhook:<url>`,
 * a call for `handler:<name>`, and a final failure for a destination not configured.
 *
 * @throws Error when two endpoints share a URL, a secret is not `whsec_` + base64, or
 * `leaseMs` does not exceed an endpoint's timeout.
 */
export function createSender(options: SenderOptions): (delivery: Delivery) => Promise<Attempt> {
  const { handlers, now, fetch } = options;
  const byUrl = endpointsByUrl(options.endpoints, options.leaseMs);
  return async ({ destination, event }) => {
    if (destination.startsWith("webhook:")) {
      const endpoint = byUrl.get(destination.slice("webhook:".length));
      if (!endpoint) {
        return { ok: false, error: "no webhook endpoint is configured for this URL", final: true };
      }
      return sendWebhook(endpoint, event, now(), fetch);
    }
    if (destination.startsWith("handler:")) {
      const name = destination.slice("handler:".length);
      const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
      if (!handler) {
        return { ok: false, error: `no handler named ${name} is configured`, final: true };
      }
      try {
        await handler(event);
        return { ok: true };
      } catch (error) {
        return { ok: false, error: `handler threw ${errorName(error)}` };
      }
    }
    return { ok: false, error: "unknown kind of destination", final: true };
  };
}

/** The endpoints by URL, checked: distinct URLs, valid secrets, timeouts within the lease. */
function endpointsByUrl(
  endpoints: readonly WebhookEndpoint[],
  leaseMs: number,
): Map<string, WebhookEndpoint> {
  const byUrl = new Map<string, WebhookEndpoint>();
  for (const endpoint of endpoints) {
    const label = originOf(endpoint.url);
    if (byUrl.has(endpoint.url)) throw new Error(`two webhook endpoints have the URL ${label}…`);
    try {
      new Webhook(endpoint.secret);
    } catch {
      throw new Error(
        `the secret of the webhook endpoint ${label}… is not whsec_ followed by base64`,
      );
    }
    const timeoutMs = endpoint.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    if (!(leaseMs > timeoutMs)) {
      throw new Error(
        `leaseMs (${leaseMs}) must exceed the timeout of the webhook endpoint ${label}… (${timeoutMs} ms)`,
      );
    }
    byUrl.set(endpoint.url, endpoint);
  }
  return byUrl;
}

/** A URL's origin, for messages that must not show its path or query. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(not a URL)";
  }
}
