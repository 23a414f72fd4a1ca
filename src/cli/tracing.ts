import { bounded } from "./bounded.ts";

/**
 * What `waymark serve` traces with: the OpenTelemetry SDK, loaded only when an OTLP
 * endpoint is configured, so that a server without one loads none of it.
 */

/** A registered tracer provider: flush and stop it on shutdown. */
export interface Tracing {
  /** Where spans go: the endpoint's origin (its path or query may carry a key). */
  readonly origin: string;
  /**
   * Sends the spans still buffered and stops the provider; never rejects, and settles
   * within {@link TRACE_FLUSH_MS} even when the endpoint accepts and never answers.
   * Resolves false when that time ran out before the flush finished.
   */
  shutdown(): Promise<boolean>;
}

/**
 * The longest a shutdown waits for the last spans to be sent: well inside the grace
 * period of `waymark serve`, after the server has closed.
 */
export const TRACE_FLUSH_MS = 2_500;

/** The longest one OTLP export waits for its answer (the SDK's default is 10 s). */
const EXPORT_TIMEOUT_MS = 2_000;

/**
 * Registers a tracer provider exporting spans over OTLP/HTTP when the environment names
 * an endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * with `/v1/traces` added), as the OpenTelemetry specification says; `OTEL_SERVICE_NAME`
 * (default `waymark`), `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` are
 * read the standard way. `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it
 * off. Without an endpoint, nothing is loaded and undefined is returned.
 *
 * @throws Error for an endpoint that is not an http: or https: URL.
 * @example
 * const tracing = await startTracing(process.env);
 * // on shutdown, after the server closed:
 * await tracing?.shutdown();
 */
export async function startTracing(env: NodeJS.ProcessEnv): Promise<Tracing | undefined> {
  const endpoint =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (endpoint === undefined) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return undefined;
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new Error(
      "the OTLP endpoint (OTEL_EXPORTER_OTLP_…ENDPOINT) is not an http: or https: URL",
    );
  }
  const [sdk, otlp, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const detected = resources.detectResources({ detectors: [resources.envDetector] });
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": "waymark" }))
    .merge(detected);
  const provider = new sdk.NodeTracerProvider({
    resource,
    spanProcessors: [
      new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter({ timeoutMillis: EXPORT_TIMEOUT_MS }), {
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  provider.register();
  return {
    origin: url.origin,
    shutdown() {
      // The exporter's own timeout covers one request; the race covers the rest (a
      // retry, a second batch), so that the whole flush has one bound.
      return bounded(provider.shutdown(), TRACE_FLUSH_MS);
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
