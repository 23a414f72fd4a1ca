import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";

const origin = "http://waymark.test";

// Spans through the SDK's in-memory exporter, with the SDK registered as a user would.
describe("tracing", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it("gives a request one server span, its store calls as child spans, and no flow id or step data in any attribute", async () => {
    const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    const created = await waymark.fetch(
      new Request(`${origin}/onboarding?utm=Ada`, { method: "POST" }),
    );
    const { flowId } = (await created.json()) as { flowId: string };
    exporter.reset();

    const response = await waymark.fetch(
      new Request(`${origin}/onboarding/${flowId}/step/1`, jsonRequest("PUT", personalInfo)),
    );
    expect(response.status).toBe(200);

    const spans = exporter.getFinishedSpans();
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(servers).toHaveLength(1);
    const [server] = servers;
    expect(server?.name).toBe("PUT /:flow/:id/step/:step");
    expect(server?.attributes).toEqual({
      "http.request.method": "PUT",
      "url.scheme": "http",
      "http.route": "/:flow/:id/step/:step",
      "http.response.status_code": 200,
    });
    const children = spans.filter((span) => span !== server);
    expect(children.map((span) => span.name)).toEqual(["waymark.store.load", "waymark.store.save"]);
    for (const child of children) {
      expect(child.kind).toBe(SpanKind.CLIENT);
      expect(child.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(server?.spanContext().traceId);
    }
    const everything = JSON.stringify(
      spans.map((span) => [span.name, span.attributes, span.events, span.links]),
    );
    expect(everything).not.toContain(flowId);
    for (const value of Object.values(personalInfo)) expect(everything).not.toContain(value);
  });

  it("names the route template of a refusal, marks 5xx as errors, and keeps a store error's message out", async () => {
    const store = createMemoryStore();
    const failing = Object.assign(Object.create(null), store, {
      load: async () => {
        throw Object.assign(new Error("cannot reach 10.0.0.7 for Ada"), { code: "ECONNREFUSED" });
      },
    });
    const waymark = createWaymark({ flows: [onboarding], store: failing });
    const id = "3f0c6a5e-0d6b-4b8e-9d7e-6f1c2a3b4c5d";
    const response = await waymark.fetch(new Request(`${origin}/onboarding/${id}?email=ada`));
    expect(response.status).toBe(500);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe("GET /:flow/:id");
    expect(server?.attributes["error.type"]).toBe("500");
    const load = spans.find((span) => span.name === "waymark.store.load");
    expect(load?.attributes["error.type"]).toBe("Error");
    expect(load?.status.code).toBe(2);
    const everything = JSON.stringify(
      spans.map((span) => [span.attributes, span.events, span.status]),
    );
    expect(everything).not.toContain(id);
    expect(everything).not.toContain("Ada");
    expect(everything).not.toContain("10.0.0.7");
  });

  it("continues the trace a request carries in traceparent", async () => {
    const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await waymark.fetch(
      new Request(`${origin}/healthz`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      }),
    );
    const [server] = exporter.getFinishedSpans();
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  });
});
