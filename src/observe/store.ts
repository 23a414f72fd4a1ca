import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { FlowStore } from "../store/types.ts";

/** What an instrumented store reports of each call: its method, its time, whether it threw. */
export type StoreCallObserver = (operation: string, seconds: number, failed: boolean) => void;

/**
 * The methods timed and traced: every method of {@link FlowStore} but `rateLimitCounter`,
 * which only builds a counter. A `Record` so that a method added to `FlowStore` fails to
 * compile here until it is listed.
 */
const timed: Record<Exclude<keyof FlowStore, "capabilities" | "rateLimitCounter">, true> = {
  create: true,
  load: true,
  save: true,
  delete: true,
  purgeExpired: true,
  scanRecords: true,
  claimIdempotencyKey: true,
  finishIdempotencyKey: true,
  releaseIdempotencyKey: true,
  claimWriteLock: true,
  releaseWriteLock: true,
  readEvents: true,
  claimDeliveries: true,
  settleDelivery: true,
  listDeliveries: true,
  retryDelivery: true,
  watchFlow: true,
  countRejection: true,
  readRejections: true,
  ping: true,
  close: true,
};

const tracer = trace.getTracer("waymark");

/**
 * Wraps a store so that each call is timed for metrics and traced as a child span
 * (`waymark.store.{method}`, client kind, only the method name as attribute: never an
 * id or data) of the span active when it is made. The wrapper has exactly the optional
 * methods the store has, and its `capabilities`; `rateLimitCounter` is passed through.
 * With no OpenTelemetry provider registered, spans cost a no-op call.
 *
 * @param observe - told of every call; undefined to trace only.
 * @example const traced = instrumentStore(createSqliteStore({ path: "./flows.db" }));
 */
export function instrumentStore(store: FlowStore, observe?: StoreCallObserver): FlowStore {
  const wrapped: Record<string, unknown> = { capabilities: store.capabilities };
  if (store.rateLimitCounter) wrapped.rateLimitCounter = store.rateLimitCounter.bind(store);
  for (const name of Object.keys(timed) as (keyof typeof timed)[]) {
    const method = store[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method !== "function") continue;
    const spanName = `waymark.store.${name}`;
    const attributes = { "db.operation.name": name };
    wrapped[name] = async (...args: unknown[]) => {
      const span = tracer.startSpan(spanName, { kind: SpanKind.CLIENT, attributes });
      const started = performance.now();
      let failed = false;
      try {
        return await method.apply(store, args);
      } catch (error) {
        failed = true;
        // The error's class or code, never its message: messages can quote data.
        span.setAttribute("error.type", errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        observe?.(name, (performance.now() - started) / 1000, failed);
        span.end();
      }
    };
  }
  return wrapped as unknown as FlowStore;
}

/** A bounded name for what was thrown: a Waymark error's code, else the class name. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /^[a-z][a-z-]{0,40}$/.test(code)) return code;
  return error instanceof Error ? error.constructor.name : "_OTHER";
}
