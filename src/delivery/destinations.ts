import type { FlowEvent, FlowEventType } from "../flow/events.ts";

/**
 * A receiver of webhooks, signed as the Standard Webhooks spec says
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 * Its deliveries are named `webhook:<url>` in the outbox, so changing an endpoint's URL
 * leaves the deliveries of the old one without a receiver (they go dead).
 *
 * @example { url: "https://example.com/hooks/waymark", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", events: ["flow.completed"] }
 */
export interface WebhookEndpoint {
  /** Where the events are POSTed: an `http:` or `https:` URL. */
  url: string;
  /** The signing secret: `whsec_` followed by the key in base64. */
  secret: string;
  /** The event types sent to it. @default every type */
  events?: readonly FlowEventType[] | undefined;
  /** The flow definitions (by name) whose events are sent to it. @default every flow */
  flows?: readonly string[] | undefined;
  /**
   * Milliseconds an attempt may take, answer included, before it counts as failed.
   * @default 10000
   */
  timeoutMs?: number | undefined;
}

/** The name of the completion handler's destination, without its `handler:` prefix. */
export const COMPLETION_HANDLER = "onComplete";

/**
 * The destination name of a webhook endpoint's deliveries.
 *
 * @example webhookDestination("https://example.com/hooks") // "webhook:https://example.com/hooks"
 */
export function webhookDestination(url: string): string {
  return `webhook:${url}`;
}

/**
 * The destination name of a handler's deliveries.
 *
 * @example handlerDestination("onComplete") // "handler:onComplete"
 */
export function handlerDestination(name: string): string {
  return `handler:${name}`;
}

/**
 * The destinations `event` is delivered to: every endpoint whose `events` and `flows`
 * filters let it through (`webhook:<url>`, in the order of `endpoints`), then
 * `handler:onComplete` for a `flow.completed` event when `handlerNames` has `onComplete`.
 * The write that produces the event puts one delivery per destination in the outbox.
 *
 * @example
 * destinationsFor(completed, [{ url: "https://example.com/hooks", secret }], ["onComplete"])
 * // ["webhook:https://example.com/hooks", "handler:onComplete"]
 */
export function destinationsFor(
  event: Pick<FlowEvent, "type" | "flow">,
  endpoints: readonly WebhookEndpoint[],
  handlerNames: readonly string[],
): string[] {
  const destinations = endpoints
    .filter(
      (endpoint) =>
        (endpoint.events === undefined || endpoint.events.includes(event.type)) &&
        (endpoint.flows === undefined || endpoint.flows.includes(event.flow)),
    )
    .map((endpoint) => webhookDestination(endpoint.url));
  if (event.type === "flow.completed" && handlerNames.includes(COMPLETION_HANDLER)) {
    destinations.push(handlerDestination(COMPLETION_HANDLER));
  }
  return destinations;
}

/**
 * Whether `secret` is a Standard Webhooks signing secret as Waymark takes it: `whsec_`
 * and the key in base64, 24 to 64 bytes, as the specification advises.
 *
 * @example isWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // true
 */
export function isWebhookSecret(secret: string): boolean {
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1];
  const bytes = key && key.length % 4 === 0 ? Buffer.from(key, "base64").length : 0;
  return bytes >= 24 && bytes <= 64;
}
