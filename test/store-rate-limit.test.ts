import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createWaymark, type FlowStore } from "waymark";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { expectProblem } from "./support/http-client.ts";
import { freshDatabase } from "./support/postgres-database.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-rate-limit-"));
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two handles on one backend, as two instances behind a load balancer would have. */
const backends: [string, () => Promise<[FlowStore, FlowStore]>][] = [
  [
    "SQLite (one file, two processes' worth of connections)",
    async () => {
      const path = join(dir, `${crypto.randomUUID()}.db`);
      return [createSqliteStore({ path }), createSqliteStore({ path })];
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const { url, drop } = await freshDatabase();
      closers.push(drop);
      return [await createPostgresStore({ url }), await createPostgresStore({ url })];
    },
  ],
  [
    "Redis",
    async () => {
      const url = inject("redisUrl");
      const prefix = `rl-${crypto.randomUUID()}:`;
      return [await createRedisStore({ url, prefix }), await createRedisStore({ url, prefix })];
    },
  ],
  [
    "Redis Cluster",
    async () => {
      const clusterNodes = inject("redisClusterNodes")
        .split(",")
        .map((node) => `redis://${node}`);
      const prefix = `rl-${crypto.randomUUID()}:`;
      return [
        await createRedisStore({ clusterNodes, prefix }),
        await createRedisStore({ clusterNodes, prefix }),
      ];
    },
  ],
];

describe.each(backends)("rate limits counted in the shared store: %s", (_name, open) => {
  let stores: FlowStore[] = [];
  async function instances(rateLimit: Parameters<typeof createWaymark>[0]["rateLimit"]) {
    stores = await open();
    for (const store of stores) closers.push(() => store.close());
    return stores.map((store) => createWaymark({ flows: [onboarding], store, rateLimit }));
  }
  const from = (address: string) => ({ remoteAddress: address });
  const request = (path: string, init?: RequestInit) =>
    new Request(`http://localhost${path}`, init);

  it("holds one limit per client across instances, with 429 and Retry-After past it", async () => {
    const [a, b] = await instances({ limit: 5, windowMs: 60_000 });
    if (!a || !b) throw new Error("two instances expected");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const instance = i % 2 === 0 ? a : b;
      statuses.push((await instance.fetch(request("/onboarding"), from("203.0.113.7"))).status);
    }
    // GET /onboarding describes the flow: 200 five times, then the sixth is refused.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await a.fetch(request("/onboarding"), from("203.0.113.7"));
    await expectProblem(refused, 429, "rate-limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    // Another client has its own allowance.
    expect((await b.fetch(request("/onboarding"), from("203.0.113.8"))).status).not.toBe(429);
  });

  it("forgets counts whose window has ended when expired flows are purged", async () => {
    const [a, b] = await instances({ limit: 1, windowMs: 1_000 });
    if (!a || !b) throw new Error("two instances expected");
    const [store] = stores;
    expect((await a.fetch(request("/onboarding"), from("192.0.2.50"))).status).toBe(200);
    expect((await b.fetch(request("/onboarding"), from("192.0.2.50"))).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await store?.purgeExpired(new Date());
    // A new window: counted from zero again, whether the purge removed the row or the
    // backend expired the key by itself.
    expect((await b.fetch(request("/onboarding"), from("192.0.2.50"))).status).toBe(200);
  });

  it("holds a per-flow limit across instances and clients; other flows are not affected", async () => {
    const [a, b] = await instances({
      limit: 1_000,
      windowMs: 60_000,
      perFlow: { limit: 3, windowMs: 60_000 },
    });
    if (!a || !b) throw new Error("two instances expected");
    const start = async () => {
      const started = await a.fetch(
        request("/onboarding", { method: "POST" }),
        from("198.51.100.1"),
      );
      expect(started.status).toBe(201);
      return ((await started.json()) as { flowId: string }).flowId;
    };
    const busy = await start();
    const quiet = await start();
    for (let i = 0; i < 3; i++) {
      const instance = i % 2 === 0 ? a : b;
      const read = await instance.fetch(
        request(`/onboarding/${busy}`),
        from(`198.51.100.${10 + i}`),
      );
      expect(read.status).toBe(200);
    }
    const refused = await b.fetch(request(`/onboarding/${busy}`), from("198.51.100.99"));
    await expectProblem(refused, 429, "rate-limited");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await a.fetch(request(`/onboarding/${quiet}`), from("198.51.100.99"))).status).toBe(
      200,
    );
  });
});
