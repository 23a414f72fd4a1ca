import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  companyDetails,
  contractorContract,
  jsonRequest,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";
import { killAll, type ServerProcess, startServer } from "./support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-stores-"));
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every store, as `WAYMARK_STORE` names it, on the real servers of this run. */
const stores: Array<[string, () => string]> = [
  ["SQLite", () => `sqlite:${join(dir, "flows.db")}`],
  ["PostgreSQL", () => inject("postgresUrl")],
  ["Redis", () => inject("redisUrl")],
  ["Redis Cluster", () => `redis+cluster://${inject("redisClusterNodes")}`],
];

async function create(server: ServerProcess, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/onboarding`, { method: "POST", headers });
  expect(response.status).toBe(201);
  return {
    response,
    flow: (await response.json()) as { flowId: string },
    etag: response.headers.get("etag") ?? "",
  };
}

async function put(server: ServerProcess, flowId: string, step: string, init: RequestInit) {
  return fetch(`${server.url}/onboarding/${flowId}/step/${step}`, init);
}

async function version(server: ServerProcess, flowId: string): Promise<number> {
  const response = await fetch(`${server.url}/onboarding/${flowId}`);
  return ((await response.json()) as { version: number }).version;
}

describe.each(stores)("the onboarding over real processes on %s", (_name, storeUrl) => {
  it("finishes the walkthrough on another process after each one is killed", async () => {
    const store = storeUrl();
    let server = await startServer({ store });
    const { flow } = await create(server);
    const steps: Array<[string, unknown]> = [
      ["1", { personalInfo }],
      ["contract-details", contractorContract],
      ["3", companyDetails],
      ["review", review],
    ];
    for (const [index, [step, data]] of steps.entries()) {
      await server.stop("SIGKILL");
      server = await startServer({ store });
      const response = await put(server, flow.flowId, step, jsonRequest("PUT", data));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { version: number; status: string };
      expect(body.version).toBe(index + 2);
      if (index === steps.length - 1) expect(body.status).toBe("completed");
    }
  });

  it("answers bad input with 4xx problems and leaves the flow unchanged", async () => {
    const server = await startServer({ store: storeUrl() });
    const { flow, etag } = await create(server);
    const bad: Array<[string, RequestInit, number]> = [
      ["1", { method: "PUT", headers: { "content-type": "application/json" }, body: "{" }, 400],
      ["1", jsonRequest("PUT", { ...personalInfo, email: "nope" }), 422],
      [
        "1",
        {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: '{"__proto__":{"x":1}}',
        },
        422,
      ],
      ["1", jsonRequest("PUT", [personalInfo]), 422],
      // PostgreSQL's jsonb cannot hold a lone surrogate: refused before any store sees it.
      ["1", jsonRequest("PUT", { ...personalInfo, lastName: "Ada\ud800" }), 422],
      ["1", { method: "PUT", body: JSON.stringify(personalInfo) }, 415],
      ["1", jsonRequest("PUT", { firstName: "x".repeat(70_000) }), 413],
      ["2", jsonRequest("PUT", contractorContract), 409],
      ["9", jsonRequest("PUT", personalInfo), 404],
      ["1", jsonRequest("PUT", personalInfo, { "if-match": '"v9"' }), 412],
    ];
    for (const [step, init, status] of bad) {
      const response = await put(server, flow.flowId, step, init);
      expect(response.status, `${step} ${String(init.body).slice(0, 40)}`).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    }
    expect(await version(server, flow.flowId)).toBe(1);
    const unchanged = await fetch(`${server.url}/onboarding/${flow.flowId}`, {
      headers: { "if-none-match": etag },
    });
    expect(unchanged.status).toBe(304);
  });

  it("lets exactly one of 50 writers holding one ETag win, across two processes", async () => {
    const store = storeUrl();
    const servers = [await startServer({ store }), await startServer({ store })];
    const { flow, etag } = await create(servers[0] as ServerProcess);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const server = servers[index % 2] as ServerProcess;
        const data = { ...personalInfo, firstName: `Writer ${index}` };
        return (await put(server, flow.flowId, "1", jsonRequest("PUT", data, { "if-match": etag })))
          .status;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(49);
    expect(await version(servers[1] as ServerProcess, flow.flowId)).toBe(2);
  });

  it("replays a create retried with its Idempotency-Key on another process", async () => {
    const store = storeUrl();
    const first = await startServer({ store });
    const headers = { "idempotency-key": crypto.randomUUID() };
    const { response, flow } = await create(first, headers);
    await first.stop("SIGKILL");
    const second = await startServer({ store });
    const retry = await fetch(`${second.url}/onboarding`, { method: "POST", headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("location")).toBe(response.headers.get("location"));
    expect(((await retry.json()) as { flowId: string }).flowId).toBe(flow.flowId);
  });
});
