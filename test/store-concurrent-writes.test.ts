import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { expectProblem } from "./support/http-client.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";

// Many writes of one flow at once, through the HTTP handler, on the real servers the run
// started. Each "instance" is a handler with a connection of its own, as separate
// processes behind a load balancer would have.

/** Opens handles on one backend's data: each call a new connection. */
interface Backend {
  name: string;
  open(): { connect: () => Promise<FlowStore>; cleanup: () => void };
}

const clusterNodes = () =>
  inject("redisClusterNodes")
    .split(",")
    .map((node) => `redis://${node}`);

const backends: Backend[] = [
  {
    name: "SQLite",
    open() {
      const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
      const path = join(dir, "flows.db");
      return {
        connect: async () => createSqliteStore({ path }),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    open: () => ({
      connect: () => createPostgresStore({ url: inject("postgresUrl") }),
      cleanup: () => undefined,
    }),
  },
  {
    name: "Redis",
    open() {
      const prefix = `test:${crypto.randomUUID()}:`;
      return {
        connect: () => createRedisStore({ url: inject("redisUrl"), prefix }),
        cleanup: () => undefined,
      };
    },
  },
  {
    name: "Redis Cluster",
    open() {
      const prefix = `test:${crypto.randomUUID()}:`;
      return {
        connect: () => createRedisStore({ clusterNodes: clusterNodes(), prefix }),
        cleanup: () => undefined,
      };
    },
  },
];

interface FlowBody {
  flowId: string;
  version: number;
  data: Record<string, unknown>;
}

/**
 * `count` instances on the backend's data, each a handler over its own connection; the
 * first one's store passes through `wrap`.
 */
async function instances(
  backend: Backend,
  count: number,
  { wrap = (store: FlowStore) => store, writeWaitMs = undefined as number | undefined } = {},
) {
  const opened = backend.open();
  const stores = await Promise.all(Array.from({ length: count }, opened.connect));
  const handlers = stores.map((store, index) =>
    createWaymark({ flows: [onboarding], store: index === 0 ? wrap(store) : store, writeWaitMs }),
  );
  return {
    stores,
    /** Sends one request to instance `index` (modulo the count). */
    call(index: number, path: string, init?: RequestInit) {
      const handler = handlers[index % count];
      if (!handler) throw new Error(`no instance ${index}`);
      return handler.fetch(new Request(`http://waymark.test${path}`, init));
    },
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      opened.cleanup();
    },
  };
}

/** Step-1 data only writer `index` sends: every one changes the flow. */
const writerData = (index: number) => ({ ...personalInfo, firstName: `Writer ${index}` });

describe.each(backends)("$name: concurrent writes of one flow", (backend) => {
  /**
   * 200 unconditional writes of step 1 at once, shared out among `count` instances: every
   * one is answered 200 with a version of its own, and the flow holds the last of them.
   */
  async function acceptsAll(count: number) {
    const waymark = await instances(backend, count);
    try {
      const created = await waymark.call(0, "/onboarding", { method: "POST" });
      const initial = (await created.json()) as FlowBody;
      const path = `/onboarding/${initial.flowId}`;
      const answers = await Promise.all(
        Array.from({ length: 200 }, async (_, index) => {
          const response = await waymark.call(
            index,
            `${path}/step/1`,
            jsonRequest("PUT", writerData(index)),
          );
          return {
            status: response.status,
            etag: response.headers.get("etag"),
            body: await response.json(),
          };
        }),
      );
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      const versions = answers.map((answer) => (answer.body as FlowBody).version);
      expect(versions.toSorted((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, index) => initial.version + 1 + index),
      );
      for (const answer of answers) {
        expect(answer.etag).toBe(`"v${(answer.body as FlowBody).version}"`);
      }
      const final = (await (await waymark.call(0, path)).json()) as FlowBody;
      expect(final.version).toBe(initial.version + 200);
      // Nothing but step 1 was written, and the flow is what the last write answered.
      expect(Object.keys(final.data)).toEqual(["personal-info"]);
      const last = answers.find((answer) => (answer.body as FlowBody).version === final.version);
      expect(final).toEqual(last?.body);
    } finally {
      await waymark.close();
    }
  }

  it("accepts 200 unconditional writes sent at once to one instance, each as its own version", async () => {
    await acceptsAll(1);
  });

  it("accepts 200 unconditional writes sent at once to two instances, each as its own version", async () => {
    await acceptsAll(2);
  });

  it("lets exactly one of many writers with the same If-Match win; the others get 412", async () => {
    const waymark = await instances(backend, 2);
    try {
      const created = await waymark.call(0, "/onboarding", { method: "POST" });
      const initial = (await created.json()) as FlowBody;
      const etag = created.headers.get("etag") ?? "";
      const path = `/onboarding/${initial.flowId}/step/1`;
      const statuses = await Promise.all(
        Array.from({ length: 40 }, async (_, index) => {
          const request = jsonRequest("PUT", writerData(index), { "if-match": etag });
          return (await waymark.call(index, path, request)).status;
        }),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 412)).toHaveLength(39);
      const final = (await (
        await waymark.call(1, `/onboarding/${initial.flowId}`)
      ).json()) as FlowBody;
      expect(final.version).toBe(initial.version + 1);
    } finally {
      await waymark.close();
    }
  });

  /**
   * Two instances; the first one's first compare-and-set is made to lose, by a write
   * through the second instance landing just before it. That sends it to the flow's write
   * lock, which a holder that died left behind for `deadTtlMs`.
   */
  async function behindADeadHolder(deadTtlMs: number, writeWaitMs?: number) {
    let cut: (() => Promise<void>) | undefined;
    const wrap = (store: FlowStore): FlowStore => ({
      ...store,
      async save(record, expectedVersion) {
        const before = cut;
        cut = undefined;
        await before?.();
        return store.save(record, expectedVersion);
      },
    });
    const waymark = await instances(backend, 2, { wrap, writeWaitMs });
    const created = await waymark.call(0, "/onboarding", { method: "POST" });
    const { flowId, version } = (await created.json()) as FlowBody;
    const path = `/onboarding/${flowId}`;
    cut = async () => {
      const response = await waymark.call(1, `${path}/step/1`, jsonRequest("PUT", writerData(1)));
      expect(response.status).toBe(200);
    };
    const [dead] = waymark.stores;
    expect(await dead?.claimWriteLock?.(flowId, "died", deadTtlMs)).toBe(true);
    const started = performance.now();
    const response = await waymark.call(0, `${path}/step/1`, jsonRequest("PUT", writerData(0)));
    return { waymark, path, version, response, waited: performance.now() - started };
  }

  it("waits out a lock whose holder died, no longer than the lock's TTL", async () => {
    const { waymark, path, version, response, waited } = await behindADeadHolder(1_000);
    try {
      expect(response.status).toBe(200);
      expect(((await response.json()) as FlowBody).version).toBe(version + 2);
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(2_500);
      const final = (await (await waymark.call(1, path)).json()) as FlowBody;
      expect(final.data["personal-info"]).toEqual(writerData(0));
    } finally {
      await waymark.close();
    }
  });

  it("answers 409 concurrent-update once the write's wait is over, having written nothing", async () => {
    const { waymark, path, version, response, waited } = await behindADeadHolder(60_000, 1_000);
    try {
      await expectProblem(response, 409, "concurrent-update");
      expect(waited).toBeGreaterThanOrEqual(950);
      expect(waited).toBeLessThan(3_000);
      const final = (await (await waymark.call(1, path)).json()) as FlowBody;
      expect(final.version).toBe(version + 1);
      expect(final.data["personal-info"]).toEqual(writerData(1));
      // Another flow's writes are not held up by this one's lock.
      const other = await waymark.call(0, "/onboarding", { method: "POST" });
      const otherPath = `/onboarding/${((await other.json()) as FlowBody).flowId}`;
      const write = await waymark.call(0, `${otherPath}/step/1`, jsonRequest("PUT", personalInfo));
      expect(write.status).toBe(200);
    } finally {
      await waymark.close();
    }
  });
});
