import { afterEach, describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import type { FlowStore } from "../src/store/types.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { killAll, type ServerProcess, startServer } from "./support/processes.ts";
import { sampleRecord } from "./support/records.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";

afterEach(killAll);

/** Each store's own server, started for this test alone since the test stops it. */
const backends: Array<[string, () => Promise<TestServer>, (server: TestServer) => string]> = [
  ["PostgreSQL", startPostgres, (server) => server.url],
  // The setting the README recommends: an append-only file fsynced on every write.
  ["Redis", () => startRedis({ persistent: true }), (server) => server.url],
];

/** A store on a server's URL, as `waymark serve` would open it. */
function connect(url: string): Promise<FlowStore> {
  return url.startsWith("redis:") ? createRedisStore({ url }) : createPostgresStore({ url });
}

/** One write that changes the flow (a new first name each time) and one read. */
async function traffic(waymark: ServerProcess, flowId: string, round: number) {
  const data = { ...personalInfo, firstName: `Round ${round}` };
  const write = await fetch(`${waymark.url}/onboarding/${flowId}/step/1`, jsonRequest("PUT", data));
  const read = await fetch(`${waymark.url}/onboarding/${flowId}`);
  return [write, read] as const;
}

describe.each(backends)("an outage of %s", (_name, start, storeUrl) => {
  it("answers 503 with Retry-After, never 500, and recovers by itself", async () => {
    const backend = await start();
    try {
      // Off: the traffic loop sends far more than 600 requests a minute from one address.
      const waymark = await startServer({
        store: storeUrl(backend),
        env: { WAYMARK_RATE_LIMIT: "off" },
      });
      const created = await fetch(`${waymark.url}/onboarding`, { method: "POST" });
      const { flowId } = (await created.json()) as { flowId: string };
      let round = 0;
      let acknowledged = 0;
      const writes: number[] = [];
      const statuses = new Set<number>();
      const note = async (response: Response, isWrite: boolean) => {
        statuses.add(response.status);
        if (response.status === 503) expect(response.headers.get("retry-after")).toBe("1");
        if (isWrite) writes.push(response.status);
        if (isWrite && response.status === 200) acknowledged += 1;
        await response.arrayBuffer();
      };
      // Traffic runs on its own, one exchange after another, while the store goes away.
      let running = true;
      const loop = (async () => {
        while (running && round < 2_000) {
          const [write, read] = await traffic(waymark, flowId, ++round);
          await note(write, true);
          await note(read, false);
        }
      })();
      const until = async (condition: () => boolean) => {
        for (let waited = 0; !condition() && waited < 30_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(condition()).toBe(true);
      };

      await until(() => acknowledged >= 5);
      await backend.stop();
      const stoppedAt = writes.length;
      await until(() => writes.slice(stoppedAt).filter((status) => status === 503).length >= 5);
      expect((await fetch(`${waymark.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${waymark.url}/healthz`)).status).toBe(200);

      await backend.start();
      const restartedAt = writes.length;
      await until(() => writes.slice(restartedAt).includes(200));
      running = false;
      await loop;

      expect((await fetch(`${waymark.url}/readyz`)).status).toBe(200);
      expect([...statuses].sort()).toEqual([200, 503]);
      expect(waymark.child.exitCode).toBeNull();
      // Every acknowledged write is there. A write cut off while the store died may have
      // been committed without its answer getting out (so one 503 may have written).
      const final = await fetch(`${waymark.url}/onboarding/${flowId}`);
      const { version } = (await final.json()) as { version: number };
      expect(version).toBeGreaterThanOrEqual(1 + acknowledged);
      expect(version).toBeLessThanOrEqual(2 + acknowledged);
    } finally {
      await backend.destroy();
    }
  });
});

describe.each(backends)(
  "a write waiting for a flow's lock when %s goes away",
  (_n, start, storeUrl) => {
    it("answers 503 at once, not 409 at the end of its wait", async () => {
      const backend = await start();
      const [first, second] = [await connect(storeUrl(backend)), await connect(storeUrl(backend))];
      try {
        // The first instance's first compare-and-set loses to a write through the second,
        // which sends it to the flow's write lock: held by a holder that died.
        let cut: (() => Promise<unknown>) | undefined;
        const losing: FlowStore = {
          ...first,
          async save(record, expectedVersion) {
            const before = cut;
            cut = undefined;
            await before?.();
            return first.save(record, expectedVersion);
          },
        };
        const one = createWaymark({ flows: [onboarding], store: losing, writeWaitMs: 20_000 });
        const two = createWaymark({ flows: [onboarding], store: second });
        const call = (waymark: typeof one, path: string, init?: RequestInit) =>
          waymark.fetch(new Request(`http://waymark.test${path}`, init));
        const created = await call(one, "/onboarding", { method: "POST" });
        const { flowId } = (await created.json()) as { flowId: string };
        const step = `/onboarding/${flowId}/step/1`;
        cut = async () => {
          const data = { ...personalInfo, firstName: "Second" };
          expect((await call(two, step, jsonRequest("PUT", data))).status).toBe(200);
        };
        expect(await first.claimWriteLock?.(flowId, "died", 60_000)).toBe(true);
        const started = performance.now();
        let answered = false;
        const waiting = call(one, step, jsonRequest("PUT", personalInfo)).finally(() => {
          answered = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(answered).toBe(false);
        await backend.stop();
        const response = await waiting;
        expect(response.status).toBe(503);
        expect(performance.now() - started).toBeLessThan(10_000);
      } finally {
        await Promise.all([first.close(), second.close()]);
        await backend.destroy();
      }
    });
  },
);

describe("a frozen Redis", () => {
  // Guards shutdown: close() used to wait for replies a frozen server never sends.
  it("fails calls with store-unavailable, and closing the store does not wait for it", async () => {
    const server = await startRedis();
    const store = await createRedisStore({ url: server.url, timeoutMs: 300 });
    try {
      await store.create(sampleRecord());
      server.signal("SIGSTOP");
      await expect(store.load(crypto.randomUUID())).rejects.toMatchObject({
        code: "store-unavailable",
      });
      await store.close();
    } finally {
      server.signal("SIGCONT");
      await server.destroy();
    }
  });
});
