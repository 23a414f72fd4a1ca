import { Webhook } from "standardwebhooks";
import type { FlowEvent, FlowEventType } from "../flow/events.ts";
import type { WebhookEndpoint } from "./destinations.ts";

/** Milliseconds a webhook attempt may take by default. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The body of a webhook, as the Standard Webhooks spec shapes it: the event `type`, the
 * `timestamp` of the event (ISO 8601) and its `data`. The data names steps and fields,
 * never their values: nothing personal leaves the server.
 *
 * @example
 * { type: "step.submitted", timestamp: "2026-01-01T00:00:00.000Z",
 *   data: { id: "3f0c…:2:0", flow: "onboarding", flowId: "3f0c…", definitionVersion: 1,
 *           version: 2, step: "personal-info", fields: ["/email"] } }
 */
export interface WebhookPayload {
  type: FlowEventType;
  timestamp: string;
  data: {
    /** The event id, also sent as `webhook-id`: receivers deduplicate on it. */
    id: string;
    flow: string;
    /** The flow's stable identity (its store key). */
    flowId: string;
    definitionVersion: number;
    version: number;
    step?: string;
    fields?: string[];
    fromVersion?: number;
    steps?: string[];
  };
}

/**
 * The webhook body of `event`.
 *
 * @example webhookPayload(event).data.flowId === event.flowKey // true
 */
export function webhookPayload(event: FlowEvent): WebhookPayload {
  return {
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    data: {
      id: event.id,
      flow: event.flow,
      flowId: event.flowKey,
      definitionVersion: event.definitionVersion,
      version: event.version,
      ...(event.step === undefined ? {} : { step: event.step }),
      ...(event.fields === undefined ? {} : { fields: event.fields }),
      ...(event.fromVersion === undefined ? {} : { fromVersion: event.fromVersion }),
      ...(event.steps === undefined ? {} : { steps: event.steps }),
    },
  };
}

/** The `fetch` the deliverer calls: the global one, or a stand-in with its signature. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** How an attempt ended: delivered, or failed with a short reason (no response body). */
export type AttemptResult = { ok: true } | { ok: false; error: string };

/**
 * POSTs `event` to `endpoint` once, signed per the Standard Webhooks spec
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * `webhook-id` is the event id (the same on every retry), `webhook-timestamp` the
 * attempt's time in Unix seconds, `webhook-signature` the HMAC-SHA256 `v1,` signature of
 * `{id}.{timestamp}.{body}`. Redirects are not followed: a 3xx fails, as does anything
 * but a 2xx, a network error, or no answer within `endpoint.timeoutMs`. The error says
 * `HTTP 500`, `TimeoutError`, … and never carries the response body.
 *
 * @param now - epoch milliseconds of the attempt.
 * @example await sendWebhook(endpoint, event, Date.now(), fetch) // { ok: true }
 */
export async function sendWebhook(
  endpoint: WebhookEndpoint,
  event: FlowEvent,
  now: number,
  fetchFn: Fetch,
): Promise<AttemptResult> {
  const body = JSON.stringify(webhookPayload(event));
  const sentAt = new Date(now);
  const headers = {
    "content-type": "application/json",
    "webhook-id": event.id,
    "webhook-timestamp": String(Math.floor(now / 1000)),
    "webhook-signature": new Webhook(endpoint.secret).sign(event.id, sentAt, body),
  };
  try {
    const response = await fetchFn(endpoint.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS),
    });
    // The body is not read: dropping it frees the connection without buffering it.
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300
      ? { ok: true }
      : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: errorName(error) };
  }
}

/** The name of what was thrown (`TimeoutError`, `TypeError`), never its message. */
export function errorName(error: unknown): string {
  // DOMException (a timeout, an abort) is an Error only on some runtimes: read its name.
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (typeof name !== "string") return typeof error;
  // A handler may throw anything: keep what is recorded short.
  const short = name.slice(0, 60);
  return cause instanceof Error ? `${short} (${causeCode(cause)})` : short;
}

/** A network error's code, such as `ECONNREFUSED`, or its name. */
function causeCode(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z_]{2,40}$/.test(code) ? code : cause.name;
}
