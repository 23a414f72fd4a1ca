import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { startServer } from "../src/server.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { sampleRecord } from "./support/records.ts";

describe("startServer", () => {
  it("purges expired flows on its sweep and answers over a real port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-server-"));
    const store = createSqliteStore({ path: join(dir, "flows.db") });
    const expired = sampleRecord({ expiresAt: Date.now() - 1 });
    const live = sampleRecord({ expiresAt: Date.now() + 3_600_000 });
    await store.create(expired);
    await store.create(live);
    const logged: Array<Record<string, unknown>> = [];
    const logger = {
      info: (fields: Record<string, unknown>) => logged.push(fields),
      error: () => {},
    };
    const server = await startServer({
      waymark: createWaymark({ flows: [onboarding], store }),
      store,
      port: 0,
      host: "127.0.0.1",
      logger,
      purgeIntervalMs: 20,
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      for (let waited = 0; logged.length === 0 && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(logged).toContainEqual({ purged: 1 });
      expect(await store.load(expired.id)).toBeUndefined();
      expect(await store.load(live.id)).toEqual(live);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("startServer draining", () => {
  /** A server on `store`, and one kept-alive connection to it (one socket at most). */
  async function serving(store: FlowStore) {
    const logger = { info: () => {}, error: () => {} };
    const server = await startServer({
      waymark: createWaymark({ flows: [onboarding], store }),
      store,
      port: 0,
      host: "127.0.0.1",
      logger,
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** GETs `path` on the kept-alive connection: the status and `Connection` header. */
    const get = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        request(`${server.url}${path}`, { agent }, (response) => {
          response.resume();
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
          );
        })
          .on("error", reject)
          .end();
      });
    return { server, agent, get };
  }

  // Regression: a proxy that kept sending on its keep-alive connection was served until
  // the drain ran out, so a rolling restart waited the whole 10 s and exited 1.
  it("answers what is in flight with Connection: close, even while a client keeps sending", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    // Reads take 100 ms, so a request is still being answered when the drain begins.
    const store = {
      ...inner,
      load: async (id: string) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return inner.load(id);
      },
    };
    const live = sampleRecord({ expiresAt: Date.now() + 3_600_000 });
    await inner.create(live);
    const { server, agent, get } = await serving(store);
    const path = `/${live.flow}/${live.id}`;
    try {
      expect(await get(path)).toEqual({ status: 200, connection: "keep-alive" });
      const answering = get(path);
      await new Promise((resolve) => setTimeout(resolve, 30));
      let closed = false;
      const started = Date.now();
      const closing = server.close().then(() => {
        closed = true;
      });
      // The answer in flight closes its connection; the client, which would keep sending
      // on it, finds no server any more.
      const answers = [await answering];
      while (!closed && Date.now() - started < 3_000) {
        const answer = await get(path).catch(() => undefined);
        if (!answer) break;
        answers.push(answer);
      }
      await closing;
      expect(closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(answers).toEqual([{ status: 200, connection: "close" }]);
    } finally {
      agent.destroy();
    }
  });

  // Closing an idle kept-alive connection races with a proxy sending a request on it:
  // the proxy's 502 for a POST it cannot retry. On SIGTERM the CLI waits for idle ones.
  it("with waitForIdle, answers a request sent on an idle kept-alive connection, then closes it", async () => {
    const { server, agent, get } = await serving(createSqliteStore({ path: ":memory:" }));
    try {
      expect((await get("/healthz")).connection).toBe("keep-alive");
      let closed = false;
      const closing = server.close({ waitForIdle: true }).then(() => {
        closed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closed).toBe(false);
      // The connection is still there, and the answer on it closes it.
      expect((await get("/healthz")).connection).toBe("close");
      await closing;
      expect(closed).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  // Regression: a connection that never ends (here one that never sends a request) held
  // the close, and the deliverer's and store's after it, past the grace period.
  it("with drainMs, cuts off connections still open after that long, then closes the store", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    let storeClosed = false;
    const store: FlowStore = {
      ...inner,
      async close() {
        storeClosed = true;
        await inner.close();
      },
    };
    const { server, agent } = await serving(store);
    const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    await once(socket, "connect");
    try {
      const started = Date.now();
      await server.close({ waitForIdle: true, drainMs: 300 });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(storeClosed).toBe(true);
    } finally {
      socket.destroy();
      agent.destroy();
    }
  });

  it("without it, closes idle kept-alive connections at once", async () => {
    const { server, agent, get } = await serving(createSqliteStore({ path: ":memory:" }));
    try {
      expect((await get("/healthz")).connection).toBe("keep-alive");
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      agent.destroy();
    }
  });
});
