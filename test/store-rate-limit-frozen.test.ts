import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { expectProblem, personalInfo } from "./support/http-client.ts";
import { startRedis } from "./support/servers.ts";

describe("rate limits counted in a frozen Redis", () => {
  // Guards the limiter's commands: they went around the store's deadline and waited for
  // as long as Redis stayed frozen.
  it("answer 503 store-unavailable within the deadline, and normally after it thaws", async () => {
    const server = await startRedis();
    const store = await createRedisStore({ url: server.url, timeoutMs: 500 });
    const waymark = createWaymark({
      flows: [onboarding],
      store,
      rateLimit: { limit: 600, windowMs: 60_000, perFlow: { limit: 120, windowMs: 60_000 } },
    });
    const from = { remoteAddress: "203.0.113.9" };
    const call = (path: string, init?: RequestInit) =>
      waymark.fetch(new Request(`http://localhost${path}`, init), from);
    try {
      const started = await call("/onboarding", { method: "POST" });
      expect(started.status).toBe(201);
      const { flowId } = (await started.json()) as { flowId: string };
      const put = () =>
        call(`/onboarding/${flowId}/step/1`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(personalInfo),
        });
      const routes = [
        () => call(`/onboarding/${flowId}`),
        put,
        () => call(`/onboarding/${flowId}/events`),
        () => call("/onboarding"),
      ];
      server.signal("SIGSTOP");
      for (const route of routes) {
        const before = performance.now();
        const response = await route();
        expect(performance.now() - before).toBeLessThan(3_000);
        await expectProblem(response, 503, "store-unavailable");
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      server.signal("SIGCONT");
      let read = await call(`/onboarding/${flowId}`);
      for (let tries = 0; read.status === 503 && tries < 20; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        read = await call(`/onboarding/${flowId}`);
      }
      expect(read.status).toBe(200);
      expect((await put()).status).toBe(200);
    } finally {
      server.signal("SIGCONT");
      await store.close();
      await server.destroy();
    }
  }, 30_000);
});
