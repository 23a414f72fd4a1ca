import { describe, expect, it } from "vitest";
import { createWaymark, type HandlerOptions } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";

const app = "https://app.example.com";
const stranger = "https://evil.example";

/** A handler on an in-memory SQLite store, called without a socket. */
function handler(options: Partial<HandlerOptions> = {}) {
  const waymark = createWaymark({
    flows: [onboarding],
    store: createSqliteStore({ path: ":memory:" }),
    cors: { origins: [app, "http://localhost:5173"] },
    ...options,
  });
  return (path: string, init: RequestInit = {}) =>
    waymark.fetch(new Request(`http://waymark.test${path}`, init), { remoteAddress: "192.0.2.1" });
}

/** A browser's preflight for a cross-origin `method` carrying `headers`. */
function preflight(
  origin: string,
  method: string,
  headers = "content-type, if-match",
): RequestInit {
  return {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  };
}

/** A flow's path, started on `call`. */
async function started(call: ReturnType<typeof handler>): Promise<string> {
  const response = await call("/onboarding", { method: "POST" });
  expect(response.status).toBe(201);
  return response.headers.get("location") ?? "";
}

describe("CORS", () => {
  it("answers preflights from an allowed origin on every API route with 204", async () => {
    const call = handler();
    const flow = await started(call);
    for (const [path, method] of [
      ["/onboarding", "POST"],
      [flow, "DELETE"],
      [`${flow}/step/1`, "PUT"],
      [`${flow}/step/personal-info`, "GET"],
    ] as const) {
      const response = await call(path, preflight(app, method));
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(app);
      expect(response.headers.get("access-control-allow-methods")).toBe("GET,HEAD,POST,PUT,DELETE");
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toBe(
        "content-type,if-match,if-none-match,idempotency-key,authorization,accept-language",
      );
      expect(response.headers.get("access-control-max-age")).toBe("600");
      expect(response.headers.get("vary")).toContain("Origin");
    }
  });

  it("gives a refused origin no Access-Control-Allow-Origin, on preflights and requests", async () => {
    const call = handler();
    const refusedPreflight = await call("/onboarding", preflight(stranger, "POST"));
    expect(refusedPreflight.headers.get("access-control-allow-origin")).toBeNull();
    // An origin differs by scheme, host or port: none of these is the allowed one.
    for (const near of ["http://app.example.com", "https://app.example.com:8443", "null"]) {
      const response = await call("/onboarding", preflight(near, "POST"));
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }

    // The request itself still runs (CORS is the browser's check); its answer is unreadable.
    const refused = await call("/onboarding", { method: "POST", headers: { origin: stranger } });
    expect(refused.status).toBe(201);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(refused.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed origin read the answer and the API's own headers", async () => {
    const call = handler();
    const created = await call("/onboarding", { method: "POST", headers: { origin: app } });
    expect(created.status).toBe(201);
    expect(created.headers.get("access-control-allow-origin")).toBe(app);
    expect(created.headers.get("access-control-expose-headers")?.toLowerCase()).toBe(
      "etag,location,retry-after,ratelimit,ratelimit-policy,idempotent-replayed",
    );
    expect(created.headers.get("vary")).toContain("Origin");

    const missing = await call("/onboarding/no-such-flow", { headers: { origin: app } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(app);
  });

  it('answers any origin with "*"', async () => {
    const call = handler({ cors: { origins: "*" } });
    const allowed = await call("/onboarding", preflight(stranger, "POST"));
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("*");
    const read = await call("/onboarding", { headers: { origin: stranger } });
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("leaves OPTIONS that is not a preflight to the routes: 405 with Allow", async () => {
    const call = handler();
    for (const init of [
      { method: "OPTIONS" },
      { method: "OPTIONS", headers: { origin: app } },
      { method: "OPTIONS", headers: { "access-control-request-method": "POST" } },
    ]) {
      const response = await call("/onboarding", init);
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
    }
  });

  it("keeps same-origin requests as they were: no Origin, no CORS headers", async () => {
    const call = handler();
    const flow = await started(call);
    const read = await call(flow);
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
    expect(read.headers.get("etag")).toBe('"v1"');
  });

  it("sends no CORS headers at all without the option, and preflights get the routes' 405", async () => {
    const call = handler({ cors: undefined });
    const answers = [
      await call("/onboarding", preflight(app, "POST")),
      await call("/onboarding", { method: "POST", headers: { origin: app } }),
      await call("/onboarding", { headers: { origin: app } }),
    ];
    expect(answers.map((response) => response.status)).toEqual([405, 201, 200]);
    for (const response of answers) {
      const names = [...response.headers.keys()];
      expect(names.filter((name) => name.startsWith("access-control-"))).toEqual([]);
    }
  });

  it("answers preflights before the rate limit, and lets the browser read a 429", async () => {
    const call = handler({ rateLimit: { limit: 1, windowMs: 60_000 } });
    expect((await call("/onboarding", { headers: { origin: app } })).status).toBe(200);
    for (let preflights = 0; preflights < 3; preflights++) {
      expect((await call("/onboarding", preflight(app, "POST"))).status).toBe(204);
    }
    const refused = await call("/onboarding", { method: "POST", headers: { origin: app } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("access-control-allow-origin")).toBe(app);
    expect(refused.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("lets allowed pages send cookies with credentials, and only then", async () => {
    const withCookies = handler({ cors: { origins: [app], credentials: true } });
    const allowed = await withCookies("/onboarding", preflight(app, "POST"));
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const read = await withCookies("/onboarding", { headers: { origin: app } });
    expect(read.headers.get("access-control-allow-credentials")).toBe("true");
    const refused = await withCookies("/onboarding", preflight(stranger, "POST"));
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await handler()("/onboarding", preflight(app, "POST"));
    expect(plain.headers.get("access-control-allow-credentials")).toBeNull();
    expect(() => handler({ cors: { origins: "*", credentials: true } })).toThrow(
      /needs a list of origins/,
    );
  });

  it("works under a basePath", async () => {
    const call = handler({ basePath: "/api" });
    const response = await call("/api/onboarding", preflight(app, "POST"));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(app);
  });

  it.each([
    [[], /at least one origin/],
    [["https://app.example.com/"], /write "https:\/\/app\.example\.com"/],
    [["https://App.Example.com"], /write "https:\/\/app\.example\.com"/],
    [["app.example.com"], /not an origin/],
    [["ftp://files.example.com"], /not an http or https origin/],
    [["https://app.example.com", "*"], /use "\*" on its own/],
  ])("refuses origins %j when the handler is created", (origins, message) => {
    expect(() => handler({ cors: { origins } })).toThrow(message);
  });
});
