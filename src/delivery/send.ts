import { flowEventTypes } from "../flow/events.ts";
import type { Delivery } from "../store/types.ts";
import type { EventHandler } from "./deliverer.ts";
import { isWebhookSecret, type WebhookEndpoint } from "./destinations.ts";
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
 * a call for `handler:<name>`. A destination this instance does not have is a failure
 * like any other, retried on the schedule: another instance sharing the store may have
 * it (a rolling deploy that changes the endpoints, one instance configured apart), and
 * one removed for good goes dead after 3 days, for `waymark deliveries --dead` to show.
 * Only a destination of no known kind is final.
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
        return { ok: false, error: "no webhook endpoint is configured here for this URL" };
      }
      return sendWebhook(endpoint, event, now(), fetch);
    }
    if (destination.startsWith("handler:")) {
      const name = destination.slice("handler:".length);
      const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
      if (!handler) {
        return { ok: false, error: `no handler named ${name} is configured here` };
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

/**
 * Checks webhook endpoints as given in code: distinct `http:` or `https:` URLs, valid
 * secrets, positive timeouts, and filters naming known event types (and, given
 * `flowNames`, flows that are served). Messages name a URL by its origin only.
 *
 * @throws Error naming the endpoint and what is wrong with it.
 * @example checkEndpoints([{ url: "https://example.com/hooks", secret: "whsec_…" }], ["onboarding"]);
 */
export function checkEndpoints(
  endpoints: readonly WebhookEndpoint[],
  flowNames?: readonly string[],
): void {
  const urls = new Set<string>();
  for (const endpoint of endpoints) {
    const label = originOf(endpoint.url);
    if (!/^https?:$/.test(safeProtocol(endpoint.url))) {
      throw new Error(`a webhook endpoint's URL must be http: or https:, not ${label}`);
    }
    const { username, password } = new URL(endpoint.url);
    if (username !== "" || password !== "") {
      throw new Error(`the webhook endpoint ${label}… carries a user or password in its URL`);
    }
    if (urls.has(endpoint.url)) throw new Error(`two webhook endpoints have the URL ${label}…`);
    urls.add(endpoint.url);
    if (typeof endpoint.secret !== "string" || !isWebhookSecret(endpoint.secret)) {
      throw new Error(
        `the secret of the webhook endpoint ${label}… is not whsec_ followed by 24 to 64 bytes in base64`,
      );
    }
    const { timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS, events, flows } = endpoint;
    if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
      throw new Error(
        `the timeout of the webhook endpoint ${label}… must be a positive whole number of ms`,
      );
    }
    const unknownEvent = events?.find((type) => !flowEventTypes.includes(type));
    if (unknownEvent !== undefined) {
      throw new Error(
        `the webhook endpoint ${label}… filters on "${String(unknownEvent)}", which is no event type (${flowEventTypes.join(", ")})`,
      );
    }
    const unknownFlow = flowNames && flows?.find((name) => !flowNames.includes(name));
    if (unknownFlow !== undefined) {
      throw new Error(
        `the webhook endpoint ${label}… filters on "${String(unknownFlow)}", which is no flow served`,
      );
    }
  }
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return "";
  }
}

/** The endpoints by URL, checked (see {@link checkEndpoints}), with timeouts within the lease. */
function endpointsByUrl(
  endpoints: readonly WebhookEndpoint[],
  leaseMs: number,
): Map<string, WebhookEndpoint> {
  checkEndpoints(endpoints);
  const byUrl = new Map<string, WebhookEndpoint>();
  for (const endpoint of endpoints) {
    const label = originOf(endpoint.url);
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
