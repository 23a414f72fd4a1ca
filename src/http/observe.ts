import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { type MetricsRecorder, methodLabel } from "../observe/metrics.ts";
import type { Logger } from "./app.ts";

const tracer = trace.getTracer("waymark");

const headerGetter = {
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  keys: (headers: Headers) => [...headers.keys()],
};

/**
 * The outermost middleware: one log line, one metrics observation and one server span
 * per request, each naming the route template (`/:flow/:id/step/:step`) and never the
 * URL, whose path holds flow ids (bearer credentials) and whose query may hold anything.
 * The span is the parent of the store calls made while answering; it continues a trace
 * the request carries (`traceparent`) when a propagator is registered.
 */
export function observeRequests(
  logger: Logger | undefined,
  metrics: MetricsRecorder | undefined,
): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const method = methodLabel(c.req.method);
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": method,
          "url.scheme": c.req.url.startsWith("https:") ? "https" : "http",
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routePath(c);
      const status = c.res.status;
      const ms = performance.now() - started;
      span.updateName(`${method} ${route}`);
      span.setAttribute("http.route", route);
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        span.setAttribute("error.type", String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
      metrics?.request(method, route, status, ms / 1000);
      logger?.info(
        { method: c.req.method, route, status, ms: Math.round(ms * 10) / 10 },
        "request",
      );
    }
  };
}
