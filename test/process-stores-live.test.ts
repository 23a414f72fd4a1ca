import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { killAll, type ServerProcess, startServer } from "./support/processes.ts";
import { dataOf, sseReader } from "./support/sse.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-live-"));
const readers: Array<ReturnType<typeof sseReader>> = [];
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
  killAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two instances on one store, as `WAYMARK_STORE` names it, on the real servers of this run. */
const stores: Array<[string, () => string]> = [
  ["SQLite (two processes, one file)", () => `sqlite:${join(dir, "flows.db")}`],
  ["PostgreSQL", () => inject("postgresUrl")],
  ["Redis", () => inject("redisUrl")],
  ["Redis Cluster", () => `redis+cluster://${inject("redisClusterNodes")}`],
];

async function events(server: ServerProcess, flowId: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/onboarding/${flowId}/events`, { headers });
  expect(response.status).toBe(200);
  const reader = sseReader(response);
  readers.push(reader);
  return reader;
}

describe.each(stores)("live updates across instances on %s", (_name, storeUrl) => {
  it("a stream held on one instance sees a write made through another within a second; a reconnect replays what it missed", async () => {
    const store = storeUrl();
    const [a, b] = await Promise.all([startServer({ store }), startServer({ store })]);
    if (!a || !b) throw new Error("no servers");
    const created = await fetch(`${b.url}/onboarding`, { method: "POST" });
    const { flowId, version } = (await created.json()) as { flowId: string; version: number };

    const onA = await events(a, flowId);
    const [first] = await onA.waitForEvents(1);
    expect(first?.id).toBe(String(version));

    const sent = performance.now();
    const saved = await fetch(
      `${b.url}/onboarding/${flowId}/step/1`,
      jsonRequest("PUT", personalInfo),
    );
    expect(saved.status).toBe(200);
    const [, changed] = await onA.waitForEvents(2, 1_000);
    const latencyMs = performance.now() - sent;
    expect(changed).toMatchObject({ event: "flow.changed", id: String(version + 1) });
    expect(dataOf(changed as never)).toMatchObject({
      currentStep: { number: 2, name: "contract-details" },
    });
    expect(latencyMs).toBeLessThan(1_000);

    // Away from A: a write lands meanwhile; back on B with Last-Event-ID, it is replayed.
    await onA.cancel();
    const edited = await fetch(
      `${a.url}/onboarding/${flowId}/step/1`,
      jsonRequest("PUT", { ...personalInfo, lastName: "Byron" }),
    );
    expect(edited.status).toBe(200);
    const onB = await events(b, flowId, { "last-event-id": String(version + 1) });
    const [replayed] = await onB.waitForEvents(1);
    expect(replayed).toMatchObject({ event: "flow.changed", id: String(version + 2) });

    // Erased through A: B's stream says so and ends.
    expect((await fetch(`${a.url}/onboarding/${flowId}`, { method: "DELETE" })).status).toBe(204);
    await onB.waitFor("flow.deleted", 1_000);
    await onB.waitForEnd();
  });
});

describe("live updates and shutdown", () => {
  it("an open stream does not hold `waymark serve` past SIGTERM: it ends, and the process exits", async () => {
    const server = await startServer({ store: `sqlite:${join(dir, "shutdown.db")}` });
    const created = await fetch(`${server.url}/onboarding`, { method: "POST" });
    const { flowId } = (await created.json()) as { flowId: string };
    const stream = await events(server, flowId);
    await stream.waitForEvents(1);
    const started = performance.now();
    expect(await server.stop("SIGTERM")).toBe(0);
    // close-with-grace would force the exit after 10 s: well before that.
    expect(performance.now() - started).toBeLessThan(5_000);
    await stream.waitForEnd();
  });
});
