import type { FlowEvent } from "../flow/events.ts";
import type { DeliverNow, EventRouting } from "../service/effects.ts";
import { destinationsFor, type WebhookEndpoint, webhookDestination } from "./destinations.ts";
import { originOf } from "./send.ts";
import { type Fetch, sendWebhook } from "./webhook.ts";

/**
 * Where the flow service sends each event: the webhook endpoints whose filters take it.
 * (A definition's own `onComplete` is added by the service.)
 *
 * @example createFlowService({ flows, store, routing: routeToEndpoints(endpoints) })
 */
export function routeToEndpoints(endpoints: readonly WebhookEndpoint[]): EventRouting {
  return (event: FlowEvent) => destinationsFor(event, endpoints, []);
}

/**
 * Delivers an event to its webhook destinations at once, one attempt each, for a
 * completing write where there is no outbox (token mode).
 *
 * @throws Error naming the endpoint's origin and the failure (`HTTP 500`, `TimeoutError`)
 * at the first destination that does not answer 2xx.
 * @example createFlowService({ flows, tokens, routing, deliverNow: deliverAtOnce(endpoints) })
 */
export function deliverAtOnce(
  endpoints: readonly WebhookEndpoint[],
  fetchFn: Fetch = (input, init) => fetch(input, init),
): DeliverNow {
  return async (event, destinations) => {
    for (const destination of destinations) {
      const endpoint = endpoints.find(({ url }) => webhookDestination(url) === destination);
      if (!endpoint) continue;
      const result = await sendWebhook(endpoint, event, Date.now(), fetchFn);
      if (!result.ok) throw new Error(`webhook ${originOf(endpoint.url)}: ${result.error}`);
    }
  };
}
