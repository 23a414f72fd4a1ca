import { describe, expect, it, vi } from "vitest";
import { type CompletedFlow, createWaymark, defineFlow } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  createHttpClient,
  dayMs,
  employeeContract,
  expectProblem,
  type FlowView,
  hourMs,
  origin,
  personalInfo,
  review,
  startTime,
} from "./support/http-client.ts";

describe("onComplete", () => {
  function flowWithHandler(handler: (flow: CompletedFlow) => void) {
    return defineFlow({
      name: "onboarding",
      ttl: "7d",
      steps: onboarding.steps,
      onComplete: handler,
    });
  }

  /** Waits until `done` holds, polling every 10 ms, for up to 5 s. */
  async function until(done: () => boolean | Promise<boolean>) {
    const deadline = Date.now() + 5_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error("timed out waiting");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("runs from the outbox after the completing write, once, with the stable flow id, the data and the event id", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const versionsSeen: Array<number | undefined> = [];
    const handler = vi.fn(async (flow: CompletedFlow) => {
      versionsSeen.push((await store.load(flow.flowId))?.version);
    });
    const http = createHttpClient({ flows: [flowWithHandler(handler)], store });
    const send = (method: string, path: string, json?: unknown) =>
      http.send(method, path, json === undefined ? {} : { json });

    const { flowId } = (await (await send("POST", "/onboarding")).json()) as FlowView;
    const path = `/onboarding/${flowId}`;
    expect((await send("PUT", `${path}/step/1`, personalInfo)).status).toBe(200);
    expect((await send("PUT", `${path}/step/2`, employeeContract)).status).toBe(200);
    expect((await send("PUT", `${path}/step/4`, review)).status).toBe(200);
    // Not inline: the completing write is answered first, and the outbox holds the call.
    expect(handler).not.toHaveBeenCalled();
    const pending = await store.listDeliveries?.({ state: "pending", limit: 10 });
    expect(pending?.deliveries.map((d) => [d.destination, d.event.type])).toEqual([
      ["handler:onComplete", "flow.completed"],
    ]);

    const delivery = http.waymark.startDelivery({ pollMs: 10 });
    try {
      await until(() => handler.mock.calls.length > 0);
      await until(
        async () =>
          (await store.listDeliveries?.({ state: "pending", limit: 10 }))?.deliveries.length === 0,
      );
    } finally {
      await delivery?.stop();
    }
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith({
      flowId,
      flow: "onboarding",
      definitionVersion: 1,
      completedAt: startTime,
      data: { "personal-info": personalInfo, "contract-details": employeeContract, review },
      eventId: `${flowId}:4:1`,
    });
    // It runs after the completing write is saved.
    expect(versionsSeen).toEqual([4]);

    // A retried final step is a no-op: same answer, and no second delivery.
    expect((await send("PUT", `${path}/step/4`, review)).status).toBe(200);
    expect((await store.listDeliveries?.({ state: "pending", limit: 10 }))?.deliveries).toEqual([]);
  });

  it("a failing handler does not undo the completion: it is tried again on the retry schedule, with the same event id", async () => {
    let failures = 1;
    const calls: CompletedFlow[] = [];
    const handler = vi.fn((flow: CompletedFlow) => {
      calls.push(flow);
      if (failures-- > 0) throw new TypeError("mail server down for ada@example.com");
    });
    const store = createSqliteStore({ path: ":memory:" });
    const logged: Array<Record<string, unknown>> = [];
    let now = startTime;
    const waymark = createWaymark({
      flows: [flowWithHandler(handler)],
      store,
      now: () => now,
      logger: { info: () => {}, error: (fields) => logged.push(fields) },
    });
    const send = (method: string, path: string, json?: unknown) =>
      waymark.fetch(
        new Request(`${origin}${path}`, {
          method,
          ...(json === undefined
            ? {}
            : { body: JSON.stringify(json), headers: { "content-type": "application/json" } }),
        }),
      );
    const created = await send("POST", "/onboarding");
    const path = created.headers.get("location") ?? "";
    await send("PUT", `${path}/step/1`, personalInfo);
    await send("PUT", `${path}/step/2`, employeeContract);
    const done = await send("PUT", `${path}/step/4`, review);
    expect(done.status).toBe(200);
    expect(((await done.json()) as FlowView).status).toBe("completed");

    const delivery = waymark.startDelivery({ pollMs: 10 });
    try {
      await until(() => handler.mock.calls.length === 1);
      await until(async () => {
        const [pending] =
          (await store.listDeliveries?.({ state: "pending", limit: 1 }))?.deliveries ?? [];
        return pending?.attempts === 1;
      });
      const [pending] =
        (await store.listDeliveries?.({ state: "pending", limit: 1 }))?.deliveries ?? [];
      // The first retry waits 5 s, give or take a fifth.
      expect(pending?.nextAttemptAt).toBeGreaterThanOrEqual(startTime.getTime() + 4_000);
      expect(pending?.nextAttemptAt).toBeLessThan(startTime.getTime() + 6_000);
      // Only the class of what it threw is kept: its message may quote data.
      expect(pending?.lastError).toBe("handler threw WaymarkError (TypeError)");
      expect(JSON.stringify(logged)).not.toContain("ada@example.com");
      now = new Date(startTime.getTime() + 6_000);
      await until(() => handler.mock.calls.length === 2);
      await until(
        async () =>
          (await store.listDeliveries?.({ state: "pending", limit: 1 }))?.deliveries.length === 0,
      );
    } finally {
      await delivery?.stop();
    }
    expect(calls[0]?.eventId).toBe(calls[1]?.eventId);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe("sliding expiry", () => {
  it("GETs and a no-op resubmission keep expiresAt; a change moves it to now + 7 days", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const first = await client.putOk(path, 1, personalInfo);
    const expiresAt = new Date(startTime.getTime() + 7 * dayMs).toISOString();
    expect(first.expiresAt).toBe(expiresAt);

    client.advance(2 * hourMs);
    expect((await client.read(path)).flow.expiresAt).toBe(expiresAt);
    expect((await client.send("GET", `${path}/step/1`)).status).toBe(200);
    const noOp = await client.putOk(path, 1, personalInfo);
    expect(noOp).toMatchObject({ version: first.version, expiresAt, updatedAt: first.updatedAt });
    expect((await client.read(path)).flow.expiresAt).toBe(expiresAt);

    client.advance(hourMs);
    const changed = await client.putOk(path, 2, employeeContract);
    const later = new Date(client.now().getTime() + 7 * dayMs).toISOString();
    expect(changed.expiresAt).toBe(later);
    expect(changed.updatedAt).toBe(client.now().toISOString());
    expect((await client.read(path)).flow.expiresAt).toBe(later);
  });

  it("a change keeps the flow alive past its first deadline", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    client.advance(6 * dayMs);
    await client.putOk(path, 1, personalInfo);
    client.advance(2 * dayMs);
    expect((await client.read(path)).flow.version).toBe(2);
  });

  it("reads alone do not keep a flow alive", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    for (let day = 0; day < 6; day++) {
      client.advance(dayMs);
      expect((await client.send("GET", path)).status).toBe(200);
    }
    client.advance(dayMs);
    await expectProblem(await client.send("GET", path), 410, "flow-expired");
  });
});
