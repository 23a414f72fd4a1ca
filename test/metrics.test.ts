import { Counter, Registry, register } from "prom-client";
import { describe, expect, it } from "vitest";
import { createWaymark, type FlowStore, type Waymark } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import { contractorWalkthrough, jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { parsePrometheusText, type Sample, seriesValue } from "./support/prometheus.ts";

const origin = "http://waymark.test";
const token = "metrics-test-token-0123456789abcdef";

/**
 * A memory store whose next `load` runs `meanwhile` before it answers: a write from
 * another instance lands between this write's read and its compare-and-set.
 */
function interferingStore() {
  const store = createMemoryStore();
  let meanwhile: (() => Promise<void>) | undefined;
  const wrapped: FlowStore = Object.assign(Object.create(null), store, {
    async load(id: string) {
      const record = await store.load(id);
      const run = meanwhile;
      meanwhile = undefined;
      await run?.();
      return record;
    },
  });
  return { store: wrapped, raw: store, interfere: (run: () => Promise<void>) => (meanwhile = run) };
}

async function scrape(waymark: Waymark, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await waymark.fetch(new Request(`${origin}/metrics`, { headers }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

async function start(waymark: Waymark): Promise<string> {
  const response = await waymark.fetch(new Request(`${origin}/onboarding`, { method: "POST" }));
  expect(response.status).toBe(201);
  return ((await response.json()) as { flowId: string }).flowId;
}

function put(waymark: Waymark, flowId: string, step: string, body: unknown, ifMatch?: string) {
  const headers: Record<string, string> = ifMatch ? { "if-match": ifMatch } : {};
  return waymark.fetch(
    new Request(`${origin}/onboarding/${flowId}/step/${step}`, jsonRequest("PUT", body, headers)),
  );
}

describe("/metrics", () => {
  it("counts requests, step writes by outcome, conflicts, retries, store calls and flows, in valid Prometheus text", async () => {
    const { store, raw, interfere } = interferingStore();
    const waymark = createWaymark({ flows: [onboarding], store, metrics: true });
    // Another instance on the same store: its writes are what this one's lose to.
    const other = createWaymark({ flows: [onboarding], store: raw });
    const flowId = await start(waymark);

    expect((await put(waymark, flowId, "1", { firstName: "" })).status).toBe(422);
    expect((await put(waymark, flowId, "1", personalInfo)).status).toBe(200);
    expect((await put(waymark, flowId, "1", personalInfo)).status).toBe(200); // unchanged
    // If-Match held at the read, then lost to the other instance's write: 412.
    interfere(async () => {
      expect(
        (await put(other, flowId, "1", { ...personalInfo, firstName: "Augusta" })).status,
      ).toBe(200);
    });
    expect(
      (await put(waymark, flowId, "1", { ...personalInfo, lastName: "Byron" }, '"v2"')).status,
    ).toBe(412);
    // Without If-Match the lost compare-and-set is retried, and lands.
    interfere(async () => {
      expect((await put(other, flowId, "1", { ...personalInfo, firstName: "Ada" })).status).toBe(
        200,
      );
    });
    expect((await put(waymark, flowId, "1", { ...personalInfo, lastName: "King" })).status).toBe(
      200,
    );
    for (const [step, data] of contractorWalkthrough.slice(1)) {
      expect((await put(waymark, flowId, step, data)).status).toBe(200);
    }
    expect((await put(waymark, "x".repeat(8), "1", {})).status).toBe(404);
    const unknown = await waymark.fetch(
      new Request(`${origin}/nope/${flowId}/step/1`, jsonRequest("PUT", {})),
    );
    expect(unknown.status).toBe(404);

    const response = await waymark.fetch(new Request(`${origin}/metrics`));
    const text = await response.text();
    const samples = parsePrometheusText(text);
    const step = { method: "PUT", route: "/:flow/:id/step/:step" };
    expect(seriesValue(samples, "waymark_http_requests_total", { ...step, status: "422" })).toBe(1);
    expect(seriesValue(samples, "waymark_http_requests_total", { ...step, status: "412" })).toBe(1);
    expect(seriesValue(samples, "waymark_http_requests_total", { ...step, status: "200" })).toBe(6);
    expect(
      seriesValue(samples, "waymark_http_requests_total", {
        method: "POST",
        route: "/:flow",
        status: "201",
      }),
    ).toBe(1);
    expect(seriesValue(samples, "waymark_http_request_duration_seconds_count", step)).toBe(10);
    const writes = (outcome: string, flow = "onboarding") =>
      seriesValue(samples, "waymark_step_writes_total", { flow, outcome });
    expect(writes("changed")).toBe(5);
    expect(writes("unchanged")).toBe(1);
    expect(writes("rejected")).toBe(3); // the 422, the 412 and the unknown id
    expect(writes("rejected", "unregistered")).toBe(1);
    expect(seriesValue(samples, "waymark_write_conflicts_total", { flow: "onboarding" })).toBe(2);
    expect(seriesValue(samples, "waymark_write_retries_total", { flow: "onboarding" })).toBe(1);
    expect(seriesValue(samples, "waymark_flows_started_total", { flow: "onboarding" })).toBe(1);
    expect(seriesValue(samples, "waymark_flows_completed_total", { flow: "onboarding" })).toBe(1);
    expect(
      seriesValue(samples, "waymark_store_operation_duration_seconds_count", { operation: "save" }),
    ).toBe(7); // five that landed, two that lost their compare-and-set
    expect(
      seriesValue(samples, "waymark_store_operation_duration_seconds_count", { operation: "load" }),
    ).toBeGreaterThanOrEqual(10);
    expect(seriesValue(samples, "waymark_event_streams_open")).toBe(0);
    // Nothing from a URL or a body in any series: no flow id, no step value.
    expect(text).not.toContain(flowId);
    expect(text).not.toContain("Ada");
    expect(text).not.toContain("nope");
    // Waymark's own registry, not prom-client's global one.
    expect(await register.metrics()).not.toContain("waymark_");
  });

  it("counts store errors by operation, and expired flows found by requests", async () => {
    let now = new Date("2026-12-01T10:00:00Z");
    const store = createMemoryStore();
    let failing = false;
    const flaky: FlowStore = Object.assign(Object.create(null), store, {
      async load(id: string) {
        if (failing) throw new Error("connection refused");
        return store.load(id);
      },
    });
    const waymark = createWaymark({
      flows: [onboarding],
      store: flaky,
      metrics: true,
      now: () => now,
    });
    const flowId = await start(waymark);
    failing = true;
    expect((await waymark.fetch(new Request(`${origin}/onboarding/${flowId}`))).status).toBe(500);
    failing = false;
    now = new Date("2027-06-01T10:00:00Z");
    expect((await waymark.fetch(new Request(`${origin}/onboarding/${flowId}`))).status).toBe(410);
    const samples = await scrape(waymark);
    expect(seriesValue(samples, "waymark_store_errors_total", { operation: "load" })).toBe(1);
    expect(
      seriesValue(samples, "waymark_expired_flow_requests_total", { flow: "onboarding" }),
    ).toBe(1);
  });

  it("adds its series to the registry it is given, with the open streams a hook reports", async () => {
    const registry = new Registry();
    const mine = new Counter({ name: "app_jobs_total", help: "jobs", registers: [registry] });
    mine.inc(3);
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      metrics: { registry },
    });
    waymark.metrics?.watchOpenStreams(() => 7);
    expect(waymark.metrics?.registry).toBe(registry);
    const samples = await scrape(waymark);
    expect(seriesValue(samples, "app_jobs_total")).toBe(3);
    expect(seriesValue(samples, "waymark_event_streams_open")).toBe(7);
    // A second Waymark on the same registry is refused, not merged silently.
    expect(() =>
      createWaymark({ flows: [onboarding], store: createMemoryStore(), metrics: { registry } }),
    ).toThrow(/already been registered/);
  });

  it("counts the outbox's pending and dead deliveries, at most once per refresh", async () => {
    const store = createMemoryStore();
    const listed: string[] = [];
    const counting: FlowStore = Object.assign(Object.create(null), store, {
      listDeliveries: (query: Parameters<NonNullable<FlowStore["listDeliveries"]>>[0]) => {
        listed.push(query.state);
        return store.listDeliveries?.(query);
      },
    });
    const waymark = createWaymark({
      flows: [onboarding],
      store: counting,
      metrics: { outboxRefreshMs: 60_000 },
      webhooks: [{ url: "http://127.0.0.1:9/hooks", secret: `whsec_${"A".repeat(43)}=` }],
    });
    await start(waymark);
    const samples = await scrape(waymark);
    expect(seriesValue(samples, "waymark_outbox_deliveries", { state: "pending" })).toBe(1);
    expect(seriesValue(samples, "waymark_outbox_deliveries", { state: "dead" })).toBe(0);
    expect(seriesValue(samples, "waymark_outbox_counted_timestamp_seconds")).toBeGreaterThan(0);
    await start(waymark);
    // Within the refresh: the last count, with no walk of the store.
    const again = await scrape(waymark);
    expect(seriesValue(again, "waymark_outbox_deliveries", { state: "pending" })).toBe(1);
    expect(listed).toEqual(["pending", "dead"]);
  });

  it("counts delivery attempts by destination kind and outcome", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      metrics: true,
      // Nothing listens on port 9: the attempt fails and is put back for later.
      webhooks: [{ url: "http://127.0.0.1:9/hooks", secret: `whsec_${"A".repeat(43)}=` }],
    });
    await start(waymark);
    const deliverer = waymark.startDelivery({ pollMs: 60_000 });
    await deliverer?.stop();
    const samples = await scrape(waymark);
    expect(
      seriesValue(samples, "waymark_delivery_attempts_total", {
        kind: "webhook",
        outcome: "retry",
      }),
    ).toBe(1);
  });

  it("is off by default, and behind the operator token when there is one", async () => {
    const off = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    expect((await off.fetch(new Request(`${origin}/metrics`))).status).toBe(404);
    expect(off.metrics).toBeUndefined();

    const guarded = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      metrics: true,
      adminToken: token,
    });
    const refused = await guarded.fetch(new Request(`${origin}/metrics`));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="Waymark metrics"');
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const wrong = await guarded.fetch(
      new Request(`${origin}/metrics`, { headers: { authorization: `Bearer ${token}x` } }),
    );
    expect(wrong.status).toBe(401);
    await scrape(guarded, { authorization: `Bearer ${token}` });
    await scrape(guarded, { authorization: `Basic ${btoa(`prometheus:${token}`)}` });
  });
});
