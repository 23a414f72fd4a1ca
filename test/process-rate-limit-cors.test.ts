import { afterEach, describe, expect, it } from "vitest";
import { killAll, runCli, startServer } from "./support/processes.ts";

afterEach(killAll);

const store = "sqlite::memory:";
const app = "https://app.example.com";

describe("waymark serve: rate limit and CORS settings", () => {
  it("limits 600 requests a minute per address by default, and allows no other origin", async () => {
    const server = await startServer({ store });
    try {
      const response = await fetch(`${server.url}/onboarding`, { headers: { origin: app } });
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-policy")).toBe("600;w=60");
      expect(response.headers.get("ratelimit")).toBe("limit=600, remaining=599, reset=60");
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect((await fetch(`${server.url}/healthz`)).headers.get("ratelimit")).toBeNull();
      expect(server.output()).toContain('"rateLimit":"600/60s by address, counted in the store"');
    } finally {
      await server.stop();
    }
  });

  it("takes --rate-limit and --cors-origins: preflights, then a 429 the page can read", async () => {
    const server = await startServer({
      store,
      args: ["--rate-limit", "2/1m", "--cors-origins", `${app},http://localhost:5173`],
    });
    try {
      const preflight = await fetch(`${server.url}/onboarding`, {
        method: "OPTIONS",
        headers: { origin: app, "access-control-request-method": "POST" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(app);

      const statuses: number[] = [];
      let last: Response | undefined;
      for (let request = 0; request < 3; request++) {
        last = await fetch(`${server.url}/onboarding`, { headers: { origin: app } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last?.headers.get("retry-after")).toMatch(/^(59|60)$/);
      expect(last?.headers.get("access-control-allow-origin")).toBe(app);
      expect(last?.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      await server.stop();
    }
  });

  it("turns the limit off with WAYMARK_RATE_LIMIT=off", async () => {
    const server = await startServer({ store, env: { WAYMARK_RATE_LIMIT: "off" } });
    try {
      const response = await fetch(`${server.url}/onboarding`);
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit")).toBeNull();
      expect(server.output()).toContain('"rateLimit":"off"');
    } finally {
      await server.stop();
    }
  });

  it("counts by the last X-Forwarded-For address with --rate-limit-by x-forwarded-for", async () => {
    const server = await startServer({
      store,
      args: ["--rate-limit", "1/1m", "--rate-limit-by", "x-forwarded-for"],
    });
    try {
      const from = (forwarded: string) =>
        fetch(`${server.url}/onboarding`, { headers: { "x-forwarded-for": forwarded } });
      expect((await from("192.0.2.1")).status).toBe(200);
      expect((await from("198.51.100.5, 192.0.2.1")).status).toBe(429);
      expect((await from("192.0.2.1, 192.0.2.2")).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("refuses to start with a malformed WAYMARK_RATE_LIMIT, naming it", async () => {
    const result = await runCli(["serve", "--flows", "examples/onboarding/flow.ts"], {
      WAYMARK_STORE: store,
      WAYMARK_RATE_LIMIT: "fast",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid WAYMARK_RATE_LIMIT "fast"');
  });
});
