import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { killAll, startServer } from "./support/processes.ts";
import { parsePrometheusText, seriesValue } from "./support/prometheus.ts";

const token = "process-test-operator-token-0123456789";
let dir: string;
let store: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "waymark-observe-"));
  store = `sqlite:${join(dir, "flows.db")}`;
});
afterEach(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killAll);

/** An OTLP/HTTP receiver that keeps what it is sent. */
async function collector(): Promise<{
  url: string;
  received: { path: string; body: Buffer }[];
  server: Server;
}> {
  const received: { path: string; body: Buffer }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ path: req.url ?? "", body: Buffer.concat(chunks) });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

// `waymark serve` as a process: its metrics with the process's own, behind the operator
// token, and its spans sent over OTLP/HTTP and flushed when it stops.
describe("waymark serve, observed", () => {
  it("serves metrics behind the token, and flushes its spans to the OTLP endpoint on SIGTERM", async () => {
    const otlp = await collector();
    try {
      const server = await startServer({
        store,
        env: {
          WAYMARK_ADMIN_TOKEN: token,
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_SERVICE_NAME: "waymark-under-test",
        },
      });
      expect((await fetch(`${server.url}/onboarding`, { method: "POST" })).status).toBe(201);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(scraped.status).toBe(200);
      const samples = parsePrometheusText(await scraped.text());
      expect(seriesValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
      expect(
        seriesValue(samples, "waymark_http_requests_total", {
          method: "POST",
          route: "/:flow",
          status: "201",
        }),
      ).toBe(1);
      expect(server.output()).toContain(`"tracing":"OTLP to ${otlp.url}"`);
      expect(await server.stop("SIGTERM")).toBe(0);
      const traces = otlp.received.filter(({ path }) => path === "/v1/traces");
      expect(traces.length).toBeGreaterThan(0);
      const sent = Buffer.concat(traces.map(({ body }) => body)).toString("latin1");
      expect(sent).toContain("waymark-under-test");
      expect(sent).toContain("POST /:flow");
      expect(sent).toContain("waymark.store.create");
    } finally {
      otlp.server.close();
    }
  });

  // Regression: a trace flush to an endpoint that never answers ran past the grace
  // period (10 s, "killed by timeout", exit 1); every step of shutdown is bounded.
  it("exits 0 within the grace period on SIGTERM when the OTLP endpoint accepts and never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => {
      sockets.push(socket);
    }).listen(0, "127.0.0.1");
    await once(silent, "listening");
    const { port } = silent.address() as AddressInfo;
    try {
      const server = await startServer({
        store,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      });
      expect((await fetch(`${server.url}/onboarding`, { method: "POST" })).status).toBe(201);
      const started = Date.now();
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 20_000);

  it("serves no /metrics with --no-metrics, and no /admin without a token", async () => {
    const server = await startServer({ store, args: ["--no-metrics"] });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/admin/funnel`)).status).toBe(404);
    expect(server.output()).toContain('"metrics":"off"');
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
