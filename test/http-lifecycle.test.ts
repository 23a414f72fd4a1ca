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

  it("runs once, as part of the completing write, with the stable flow id and the data", async () => {
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
    expect(handler).not.toHaveBeenCalled();

    expect((await send("PUT", `${path}/step/4`, review)).status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith(
      expect.objectContaining({
        flowId,
        flow: "onboarding",
        definitionVersion: 1,
        completedAt: startTime,
        data: { "personal-info": personalInfo, "contract-details": employeeContract, review },
      }),
    );
    // It runs before the completing write is saved: a handler that throws refuses it.
    expect(versionsSeen).toEqual([3]);
    expect((await store.load(flowId))?.version).toBe(4);

    // A retried final step is a no-op: same answer, and the handler does not run again.
    const again = await send("PUT", `${path}/step/4`, review);
    expect(again.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("a failing handler refuses the completing write, which a retry then completes", async () => {
    let failures = 1;
    const handler = vi.fn(() => {
      if (failures-- > 0) throw new TypeError("mail server down for ada@example.com");
    });
    const logged: Array<Record<string, unknown>> = [];
    const waymark = createWaymark({
      flows: [flowWithHandler(handler)],
      store: createSqliteStore({ path: ":memory:" }),
      now: () => startTime,
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

    await expectProblem(await send("PUT", `${path}/step/4`, review), 500, "definition-error");
    const unchanged = (await (await send("GET", path)).json()) as FlowView;
    expect(unchanged).toMatchObject({ status: "in_progress", version: 3 });
    expect(logged).toEqual([
      expect.objectContaining({
        code: "definition-error",
        flow: "onboarding",
        hook: "onComplete",
        err: expect.objectContaining({ class: "TypeError" }),
      }),
    ]);
    // The message may quote personal data: it is never logged.
    expect(JSON.stringify(logged)).not.toContain("ada@example.com");

    const done = await send("PUT", `${path}/step/4`, review);
    expect(done.status).toBe(200);
    expect(((await done.json()) as FlowView).status).toBe("completed");
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
