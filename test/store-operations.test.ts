import { spawn } from "node:child_process";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { startRedis } from "./support/servers.ts";
import { wrapStore } from "./support/wrap-store.ts";

/** Wraps a real store and counts the calls made to each method. */
function countingStore(inner: FlowStore) {
  const calls: Record<string, number> = {};
  return {
    store: wrapStore(inner, (name) => {
      calls[name] = (calls[name] ?? 0) + 1;
    }),
    /** The calls since the last take, then starts counting afresh. */
    take() {
      const taken = { ...calls };
      for (const name of Object.keys(calls)) delete calls[name];
      return taken;
    },
  };
}

/** A handler over `store`, and a function sending one request to it. */
function serve(store: FlowStore) {
  const waymark = createWaymark({ flows: [onboarding], store });
  return (path: string, init?: RequestInit) =>
    waymark.fetch(new Request(`http://waymark.test${path}`, init));
}

async function startFlow(call: ReturnType<typeof serve>): Promise<string> {
  const created = await call("/onboarding", { method: "POST" });
  return `/onboarding/${((await created.json()) as { flowId: string }).flowId}`;
}

describe("store operations per request", () => {
  it("costs one read and at most one conditional write per step write", async () => {
    const counter = countingStore(createSqliteStore({ path: ":memory:" }));
    const call = serve(counter.store);
    const flow = await startFlow(call);
    expect(counter.take()).toEqual({ create: 1 });

    const step1 = `${flow}/step/1`;
    expect((await call(step1, jsonRequest("PUT", personalInfo))).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1, save: 1 });

    // Identical resubmission: a read, no write.
    expect((await call(step1, jsonRequest("PUT", personalInfo))).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1 });

    // Invalid data: a read to find the flow, no write to it; the refused field is counted.
    expect((await call(step1, jsonRequest("PUT", { ...personalInfo, email: "x" }))).status).toBe(
      422,
    );
    expect(counter.take()).toEqual({ load: 1, countRejection: 1 });

    // Malformed JSON is refused before the store is asked anything.
    const malformed = { method: "PUT", headers: { "content-type": "application/json" }, body: "{" };
    expect((await call(step1, malformed)).status).toBe(400);
    expect(counter.take()).toEqual({});

    expect((await call(flow)).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1 });
  });

  it("sends PostgreSQL one SELECT and one statement holding the conditional UPDATE per step write", async () => {
    const pool = new pg.Pool({ connectionString: inject("postgresUrl") });
    const sent: string[] = [];
    const texts: string[] = [];
    const counting = {
      query: (text: string, values?: readonly unknown[]) => {
        sent.push(text.trim().split(/\s+/)[0] ?? "");
        texts.push(text);
        return pool.query(text, values as unknown[]);
      },
      end: () => pool.end(),
    };
    const store = await createPostgresStore({ pool: counting as never });
    try {
      const call = serve(store);
      const flow = await startFlow(call);
      sent.length = 0;
      texts.length = 0;
      expect((await call(`${flow}/step/1`, jsonRequest("PUT", personalInfo))).status).toBe(200);
      // The compare-and-set, with the write's events chained to it in the same statement.
      expect(sent).toEqual(["SELECT", "WITH"]);
      expect(texts[1]).toMatch(/UPDATE waymark_flows[\s\S]*WHERE[\s\S]*version/);
      expect(texts[1]).toMatch(/INSERT INTO waymark_events/);
    } finally {
      await pool.end();
    }
  });

  it("sends Redis one read and one script call per step write", async () => {
    // Its own server, so MONITOR sees this test's commands alone.
    const server = await startRedis();
    const store = await createRedisStore({ url: server.url });
    try {
      const call = serve(store);
      const flow = await startFlow(call);
      // Warm up: the first write loads the script into the server.
      await call(`${flow}/step/1`, jsonRequest("PUT", { ...personalInfo, firstName: "Warm" }));
      const monitor = spawn("redis-cli", ["-p", new URL(server.url).port, "monitor"]);
      let seen = "";
      monitor.stdout.on("data", (chunk: Buffer) => {
        seen += chunk;
      });
      await new Promise((resolve) => monitor.stdout.once("data", resolve)); // "OK"
      expect((await call(`${flow}/step/1`, jsonRequest("PUT", personalInfo))).status).toBe(200);
      // MONITOR prints asynchronously: wait for the script call, the write's last command.
      for (let waited = 0; !/"evalsha"/i.test(seen) && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      monitor.kill();
      // Commands a script runs are shown as from "lua"; count only what the client sent.
      const sent = [...seen.matchAll(/^\d+\.\d+ \[\d+ [\d.:]+\] "(\w+)"/gm)].map((m) => m[1]);
      expect(sent.map((name) => name?.toLowerCase())).toEqual(["hget", "evalsha"]);
    } finally {
      await store.close();
      await server.destroy();
    }
  });
});
