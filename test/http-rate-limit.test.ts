import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWaymark, type HandlerOptions, type WaymarkOptions } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { lastForwardedFor, type RateLimitCount } from "../src/http/rate-limit.ts";
import type { Problem } from "./support/http-client.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";

// The clock stands still unless a test moves it, so the seconds in the headers are exact.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: new Date("2030-01-15T09:00:00.000Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A handler on an in-memory SQLite store, called without a socket from `address`. */
function limited(options: Partial<HandlerOptions> | Record<string, unknown> = {}) {
  const waymark = createWaymark({
    flows: [onboarding],
    store: createSqliteStore({ path: ":memory:" }),
    rateLimit: { limit: 3, windowMs: 60_000 },
    ...options,
  } as WaymarkOptions);
  // `null`: a request that comes with no connection information at all.
  return (path: string, init: RequestInit = {}, address: string | null = "192.0.2.1") =>
    waymark.fetch(
      new Request(`http://waymark.test${path}`, init),
      address === null ? undefined : { remoteAddress: address },
    );
}

describe("rate limiting", () => {
  it("answers 429 rate-limited problem+json with Retry-After once the limit is used up", async () => {
    const call = limited();
    for (let request = 1; request <= 3; request++) {
      expect((await call("/onboarding")).status).toBe(200);
    }
    const refused = await call("/onboarding", jsonRequest("POST", {}));

    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("ratelimit")).toBe("limit=3, remaining=0, reset=60");
    expect(refused.headers.get("ratelimit-policy")).toBe("3;w=60");
    expect((await refused.json()) as Problem).toMatchObject({
      type: "urn:waymark:problem:rate-limited",
      title: "Too many requests",
      status: 429,
    });
    // Refused requests never reach the routes: an unknown address is still a 429, not a 404.
    expect((await call("/nowhere/at/all")).status).toBe(429);
  });

  it("puts the draft-7 RateLimit headers on 2xx, 3xx and 4xx answers", async () => {
    const call = limited({ rateLimit: { limit: 100, windowMs: 60_000 } });
    const created = await call("/onboarding", { method: "POST" });
    expect(created.status).toBe(201);
    const flowPath = created.headers.get("location") ?? "";
    const answers = [
      created,
      await call(flowPath, { headers: { "if-none-match": created.headers.get("etag") ?? "" } }),
      await call(`${flowPath}/step/1`, jsonRequest("PUT", personalInfo)),
      await call("/onboarding/no-such-flow-id"),
      await call(`${flowPath}/step/1`, jsonRequest("PUT", { firstName: 1 })),
      await call(`${flowPath}/step/1`, { method: "PUT", body: "{}" }),
      await call(flowPath, { method: "POST" }),
      await call("/no/such/route/here"),
    ];

    expect(answers.map((response) => response.status)).toEqual([
      201, 304, 200, 404, 422, 415, 405, 404,
    ]);
    answers.forEach((response, index) => {
      expect(response.headers.get("ratelimit")).toBe(
        `limit=100, remaining=${99 - index}, reset=60`,
      );
      expect(response.headers.get("ratelimit-policy")).toBe("100;w=60");
      expect(response.headers.get("retry-after")).toBeNull();
    });
  });

  it("starts a fresh window once windowMs has passed", async () => {
    const call = limited({ rateLimit: { limit: 2, windowMs: 10_000 } });
    await call("/onboarding");
    vi.advanceTimersByTime(4_000);
    await call("/onboarding");
    const refused = await call("/onboarding");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("6");

    vi.advanceTimersByTime(5_999);
    expect((await call("/onboarding")).status).toBe(429);
    vi.advanceTimersByTime(1);
    const again = await call("/onboarding");
    expect(again.status).toBe(200);
    expect(again.headers.get("ratelimit")).toBe("limit=2, remaining=1, reset=10");
  });

  it("counts each remote address on its own, and requests with none in one shared bucket", async () => {
    const call = limited({ rateLimit: { limit: 1, windowMs: 60_000 } });
    expect((await call("/onboarding", {}, "192.0.2.1")).status).toBe(200);
    expect((await call("/onboarding", {}, "192.0.2.1")).status).toBe(429);
    expect((await call("/onboarding", {}, "2001:db8::1")).status).toBe(200);

    expect((await call("/onboarding", {}, null)).status).toBe(200);
    expect((await call("/onboarding", {}, null)).status).toBe(429);
  });

  it("counts by key(request) when it names a client, by the address when it returns undefined", async () => {
    const call = limited({
      rateLimit: {
        limit: 1,
        windowMs: 60_000,
        key: (request) => request.headers.get("x-api-key") ?? undefined,
      },
    });
    const asKey = (key: string) => ({ headers: { "x-api-key": key } });
    expect((await call("/onboarding", asKey("alice"), "192.0.2.1")).status).toBe(200);
    // Same key from elsewhere: the same client.
    expect((await call("/onboarding", asKey("alice"), "192.0.2.2")).status).toBe(429);
    // Another key from the same address: another client.
    expect((await call("/onboarding", asKey("bob"), "192.0.2.1")).status).toBe(200);
    // No key: the address, which no keyed request used up. A key that looks like an
    // address is still a key, not that address.
    expect((await call("/onboarding", {}, "192.0.2.1")).status).toBe(200);
    expect((await call("/onboarding", asKey("192.0.2.3"), "192.0.2.9")).status).toBe(200);
    expect((await call("/onboarding", {}, "192.0.2.3")).status).toBe(200);
  });

  it("never limits /healthz and /readyz, nor counts them", async () => {
    const call = limited({ rateLimit: { limit: 1, windowMs: 60_000 } });
    for (let request = 0; request < 5; request++) {
      for (const path of ["/healthz", "/readyz", "/healthz/"]) {
        const response = await call(path);
        expect(response.status).toBe(200);
        expect(response.headers.get("ratelimit")).toBeNull();
      }
      expect((await call("/healthz", { method: "HEAD" })).status).toBe(200);
    }
    expect((await call("/onboarding")).status).toBe(200);
  });

  it("limits nothing and sends no RateLimit headers without the option", async () => {
    const call = limited({ rateLimit: undefined });
    for (let request = 0; request < 20; request++) {
      const response = await call("/onboarding");
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit")).toBeNull();
      expect(response.headers.get("ratelimit-policy")).toBeNull();
    }
  });

  it("shares counts between instances through a store given to both", async () => {
    const hits = new Map<string, number>();
    const store = {
      increment(key: string): RateLimitCount {
        hits.set(key, (hits.get(key) ?? 0) + 1);
        return { totalHits: hits.get(key) ?? 0, resetTime: new Date(Date.now() + 60_000) };
      },
      decrement: (key: string) => void hits.set(key, (hits.get(key) ?? 1) - 1),
      resetKey: (key: string) => void hits.delete(key),
    };
    const rateLimit = { limit: 2, windowMs: 60_000, store };
    const first = limited({ rateLimit });
    const second = limited({ rateLimit });
    expect((await first("/onboarding")).status).toBe(200);
    expect((await second("/onboarding")).status).toBe(200);
    expect((await first("/onboarding")).status).toBe(429);
    expect((await second("/onboarding")).status).toBe(429);
    expect(hits.get("address:192.0.2.1")).toBe(4);
  });

  it("answers 503 store-unavailable when a given store fails, not 500", async () => {
    const store = {
      increment: (): RateLimitCount => {
        throw new Error("connection refused");
      },
      decrement: () => {},
      resetKey: () => {},
    };
    const call = limited({ rateLimit: { limit: 2, windowMs: 60_000, store } });
    const response = await call("/onboarding");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as Problem).type).toBe("urn:waymark:problem:store-unavailable");
  });

  it.each([
    [{ limit: 0, windowMs: 60_000 }, /rateLimit\.limit must be a positive integer, not 0/],
    [{ limit: 1.5, windowMs: 60_000 }, /rateLimit\.limit must be a positive integer/],
    [{ limit: Number.NaN, windowMs: 60_000 }, /rateLimit\.limit/],
    [{ limit: 10, windowMs: 0 }, /rateLimit\.windowMs must be whole seconds/],
    [{ limit: 10, windowMs: 500 }, /rateLimit\.windowMs .* not 500/],
    [{ limit: 10, windowMs: 1_500 }, /rateLimit\.windowMs .* not 1500/],
    [{ limit: 10, windowMs: 86_401_000 }, /rateLimit\.windowMs .*one day/],
    [{ limit: 10, windowMs: 60_000, key: "x-api-key" }, /rateLimit\.key must be a function/],
    [
      { limit: 10, windowMs: 60_000, perFlow: { limit: 0, windowMs: 60_000 } },
      /rateLimit\.perFlow\.limit must be a positive integer, not 0/,
    ],
  ])("refuses rateLimit %o when the handler is created", (rateLimit, message) => {
    expect(() =>
      createWaymark({
        flows: [onboarding],
        store: createSqliteStore({ path: ":memory:" }),
        rateLimit: rateLimit as HandlerOptions["rateLimit"],
      }),
    ).toThrow(message);
  });

  it("counts in the flow store by default, so two handlers on one store share a limit", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const first = limited({ store, rateLimit: { limit: 2, windowMs: 60_000 } });
    const second = limited({ store, rateLimit: { limit: 2, windowMs: 60_000 } });
    expect((await first("/onboarding")).status).toBe(200);
    expect((await second("/onboarding")).status).toBe(200);
    expect((await first("/onboarding")).status).toBe(429);
  });

  it("applies no per-flow limit in token mode, where a flow's id changes with each write", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });
    const call = limited({
      store: undefined,
      tokens,
      rateLimit: { limit: 100, windowMs: 60_000, perFlow: { limit: 1, windowMs: 60_000 } },
    });
    const started = await call("/onboarding", { method: "POST" });
    expect(started.status).toBe(201);
    const { flowId } = (await started.json()) as { flowId: string };
    for (let i = 0; i < 3; i++) expect((await call(`/onboarding/${flowId}`)).status).toBe(200);
  });

  it("lastForwardedFor reads the address the nearest proxy appended", () => {
    const forwarded = (value?: string) =>
      lastForwardedFor(
        new Request("http://waymark.test/", value ? { headers: { "x-forwarded-for": value } } : {}),
      );
    expect(forwarded("198.51.100.7, 203.0.113.9")).toBe("203.0.113.9");
    expect(forwarded("2001:db8::5")).toBe("2001:db8::5");
    expect(forwarded()).toBeUndefined();
    expect(forwarded(" , ")).toBeUndefined();
  });
});
