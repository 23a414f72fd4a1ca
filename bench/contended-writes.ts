/**
 * Many unconditional writes of one step of one flow at once, as a double-submitting
 * client or several open tabs send them: how many are accepted, how long the last one
 * takes, and how many store calls they cost, on every store, with one instance or
 * several sharing the store (each its own handler and connection). Through the handler,
 * no sockets. Run with `npx tsx --conditions=waymark-source bench/contended-writes.ts`;
 * BENCH_WRITERS (default 200), BENCH_ROUNDS (default 3) and BENCH_INSTANCES (default
 * "1,2") change the load; BENCH_STORES picks stores by name (default: memory, sqlite,
 * postgres, redis, redis-cluster); BENCH_NO_LOCKS=1 hides the stores' write locks, as a
 * store without them would be.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { jsonRequest, personalInfo } from "../test/support/onboarding-data.ts";
import { startPostgres, startRedis, startRedisCluster } from "../test/support/servers.ts";
import { wrapStore } from "../test/support/wrap-store.ts";

const writers = Number(process.env.BENCH_WRITERS ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const instanceCounts = (process.env.BENCH_INSTANCES ?? "1,2").split(",").map(Number);
const noLocks = process.env.BENCH_NO_LOCKS === "1";
const only = process.env.BENCH_STORES?.split(",");

/** The store as one without write locks would be. */
function withoutLocks(store: FlowStore): FlowStore {
  const { claimWriteLock: _claim, releaseWriteLock: _release, ...rest } = store;
  return rest;
}

/** Opens one handle on a store; every call opens another on the same data. */
type Opener = () => Promise<FlowStore>;

async function round(open: Opener, instances: number) {
  let calls = 0;
  const stores = await Promise.all(Array.from({ length: instances }, open));
  const handlers = stores.map((store) => {
    const counted = wrapStore(store, () => (calls += 1));
    return createWaymark({ flows: [onboarding], store: noLocks ? withoutLocks(counted) : counted });
  });
  const call = (index: number, path: string, init?: RequestInit) => {
    const handler = handlers[index % instances];
    if (!handler) throw new Error(`no instance ${index % instances}`);
    return handler.fetch(new Request(`http://bench${path}`, init));
  };
  try {
    const created = await call(0, "/onboarding", { method: "POST" });
    const { flowId, version } = (await created.json()) as { flowId: string; version: number };
    calls = 0;
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        call(
          index,
          `/onboarding/${flowId}/step/1`,
          jsonRequest("PUT", { ...personalInfo, firstName: `Writer ${index}` }),
        ).then(async (response) => ({ response, body: await response.text() })),
      ),
    );
    const ms = performance.now() - started;
    const accepted = answers.filter(({ response }) => response.status === 200).length;
    const final = (await (await call(0, `/onboarding/${flowId}`)).json()) as { version: number };
    return { accepted, ms, added: final.version - version, callsPerWrite: calls / writers };
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "waymark-bench-"));
  const [postgres, redis, cluster] = await Promise.all([
    startPostgres(),
    startRedis(),
    startRedisCluster(),
  ]);
  const memory = createMemoryStore();
  const clusterNodes = cluster.url.split(",").map((node) => `redis://${node}`);
  const stores: Array<[string, Opener]> = [
    ["memory", async () => createMemoryStore({ shareWith: memory })],
    ["sqlite", async () => createSqliteStore({ path: join(dir, "bench.db") })],
    ["postgres", () => createPostgresStore({ url: postgres.url })],
    ["redis", () => createRedisStore({ url: redis.url })],
    ["redis-cluster", () => createRedisStore({ clusterNodes })],
  ];
  try {
    const locks = noLocks ? ", stores without write locks" : "";
    console.log(`${writers} unconditional writes of step 1 on one flow, ${rounds} rounds${locks}`);
    console.log(
      "store          instances  accepted   versions   ms (each round)        calls/write",
    );
    for (const [name, open] of stores.filter(([name]) => !only || only.includes(name))) {
      for (const instances of instanceCounts) {
        const results: Awaited<ReturnType<typeof round>>[] = [];
        for (let index = 0; index < rounds; index++) results.push(await round(open, instances));
        const list = (pick: (r: (typeof results)[number]) => number | string) =>
          results.map(pick).join("/");
        console.log(
          [
            name.padEnd(14),
            String(instances).padEnd(10),
            list((r) => r.accepted).padEnd(10),
            list((r) => r.added).padEnd(10),
            list((r) => r.ms.toFixed(0)).padEnd(22),
            list((r) => r.callsPerWrite.toFixed(2)),
          ].join(" "),
        );
      }
    }
  } finally {
    await Promise.all([postgres.destroy(), redis.destroy(), cluster.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
