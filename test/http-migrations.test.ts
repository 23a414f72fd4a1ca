import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineFlow } from "../src/flow/define.ts";
import type { FlowDefinition } from "../src/flow/types.ts";
import { createWaymark } from "../src/http/app.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import type { FlowStore } from "../src/store/types.ts";
import { generateKeyEntry, parseKeyring } from "../src/token/jwe.ts";
import { createTokenMode } from "../src/token/mode.ts";
import { contactV1, signupV1, signupV2, signupV2Broken } from "./support/versioned-flows.ts";

const clock = { now: new Date("2026-12-01T09:00:00Z") };

function serve(flows: FlowDefinition[], store?: FlowStore) {
  const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });
  const waymark = createWaymark({
    flows,
    ...(store ? { store } : { tokens }),
    now: () => clock.now,
  });
  return async (
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await waymark.fetch(
      new Request(`http://waymark.test${path}`, {
        method,
        headers: {
          ...headers,
          ...(json === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      headers: response.headers,
    };
  };
}

/** A flow on v1 with its contact given, in `store`; its id. */
async function startOnV1(store: FlowStore, more: Record<string, unknown> = {}): Promise<string> {
  const send = serve([signupV1], store);
  const { flowId } = (await send("POST", "/signup")).body;
  await send("PUT", `/signup/${flowId}/step/contact`, contactV1);
  for (const [step, data] of Object.entries(more))
    await send("PUT", `/signup/${flowId}/step/${step}`, data);
  return flowId;
}

const stepsOf = (version: number, retired?: FlowDefinition["retired"]) =>
  defineFlow({ name: "signup", version, ttl: "1h", retired, steps: signupV1.steps });

describe("flows of an older definition version", () => {
  it("migrates on a write in the same compare-and-set as the step, honouring the If-Match the client holds", async () => {
    const store = createMemoryStore();
    const id = await startOnV1(store);
    const send = serve([signupV2], store);
    const written = await send(
      "PUT",
      `/signup/${id}/step/plan`,
      { tier: "team" },
      { "if-match": '"v2"' },
    );
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({
      definitionVersion: 2,
      version: 4,
      migratedFrom: { definitionVersion: 1 },
    });
    expect((await store.load(id))?.version).toBe(4);
  });

  it("writes nothing when the migration throws: 500 definition-error naming both versions", async () => {
    const store = createMemoryStore();
    const id = await startOnV1(store);
    const before = await store.load(id);
    const send = serve([signupV2Broken], store);
    for (const answer of [
      await send("GET", `/signup/${id}`),
      await send("PUT", `/signup/${id}/step/1`, {}),
    ]) {
      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({
        type: "urn:waymark:problem:definition-error",
        hook: "migrate",
        fromVersion: 1,
        toVersion: 2,
      });
    }
    expect(await store.load(id)).toEqual(before);
  });

  it("restarts, expires or keeps flows as the newest definition's retired policy says", async () => {
    const store = createMemoryStore();
    const restarted = await startOnV1(store);
    const restart = serve([signupV1, stepsOf(2, { 1: "restart" })], store);
    expect((await restart("GET", `/signup/${restarted}`)).body).toMatchObject({
      definitionVersion: 2,
      migratedFrom: { definitionVersion: 1 },
      data: {},
      currentStep: { name: "contact" },
    });

    const expired = await startOnV1(store);
    const expire = serve([signupV1, stepsOf(2, { 1: "expire" })], store);
    const refused = await expire("GET", `/signup/${expired}`);
    expect(refused.status).toBe(410);
    expect(refused.body.type).toBe("urn:waymark:problem:flow-expired");
    expect(refused.body).not.toHaveProperty("recover");

    const kept = await startOnV1(store);
    const keep = serve([signupV1, stepsOf(2)], store);
    expect((await keep("GET", `/signup/${kept}`)).body).toMatchObject({
      definitionVersion: 1,
      version: 2,
    });
    expect((await store.load(kept))?.definitionVersion).toBe(1);

    // Neither registered nor reached by a migration: as before, 410 definition-retired.
    const retired = await startOnV1(store);
    expect((await serve([stepsOf(2)], store)("GET", `/signup/${retired}`)).body.type).toBe(
      "urn:waymark:problem:definition-retired",
    );
  });

  it("never moves a completed flow: it is read on the version it completed on, whatever the policy", async () => {
    const store = createMemoryStore();
    const id = await startOnV1(store, { plan: { tier: "free" }, confirm: { accept: true } });
    for (const flows of [
      [signupV2],
      [signupV1, stepsOf(2, { 1: "restart" })],
      [signupV1, stepsOf(2, { 1: "expire" })],
    ]) {
      const read = await serve(flows, store)("GET", `/signup/${id}`);
      expect(read.body).toMatchObject({ status: "completed", definitionVersion: 1, version: 4 });
      expect(read.body).not.toHaveProperty("migratedFrom");
    }
  });

  // Regression: a restart keeps no data, so an expired flow it would restart offers no recovery.
  it("offers no recovery for a flow whose version restarts", async () => {
    const store = createMemoryStore();
    const id = await startOnV1(store);
    clock.now = new Date("2026-12-01T10:00:00Z");
    const send = serve([signupV1, stepsOf(2, { 1: "restart" })], store);
    const expired = await send("GET", `/signup/${id}`);
    expect(expired.status).toBe(410);
    expect(expired.body).not.toHaveProperty("recover");
    expect((await send("POST", `/signup/${id}/recover`)).status).toBe(410);
    clock.now = new Date("2026-12-01T09:00:00Z");
  });

  // Regression: recovery used to ask the version's policy alone, not what a read decides.
  it("recovers an expired completed flow on a version whose in-progress flows expire", async () => {
    const store = createMemoryStore();
    const id = await startOnV1(store, { plan: { tier: "team" }, confirm: { accept: true } });
    const send = serve([signupV1, stepsOf(2, { 1: "expire" })], store);
    expect((await send("GET", `/signup/${id}`)).body).toMatchObject({ status: "completed" });
    clock.now = new Date("2026-12-01T10:00:00Z");
    const expired = await send("GET", `/signup/${id}`);
    expect(expired.body.recover).toEqual({ href: `/signup/${id}/recover`, method: "POST" });
    expect((await send("POST", `/signup/${id}/recover`)).body).toMatchObject({
      status: "completed",
      definitionVersion: 1,
    });
    clock.now = new Date("2026-12-01T09:00:00Z");
  });

  it("hands token-mode clients the migrated flow under a new token, with Content-Location", async () => {
    const keys = generateKeyEntry("k1");
    const tokens = createTokenMode({ keyring: parseKeyring(keys) });
    const on = (flows: FlowDefinition[]) => createWaymark({ flows, tokens, now: () => clock.now });
    const request = (path: string, init: RequestInit = {}) =>
      new Request(`http://waymark.test${path}`, init);
    const v1 = on([signupV1]);
    const started = await (await v1.fetch(request("/signup", { method: "POST" }))).json();
    const v2 = on([signupV2]);
    const read = await v2.fetch(request(`/signup/${started.flowId}`));
    const body = await read.json();
    expect(body).toMatchObject({ definitionVersion: 2, migratedFrom: { definitionVersion: 1 } });
    expect(body.flowId).not.toBe(started.flowId);
    expect(read.headers.get("content-location")).toBe(`/signup/${body.flowId}`);
  });
});

describe("recovery settings", () => {
  it("answers an expired token 410 without a way back when the flow opts out of token recovery", async () => {
    const optOut = defineFlow({
      name: "signup",
      ttl: "1h",
      recoverTokens: false,
      steps: [{ name: "contact", schema: z.strictObject({ name: z.string() }) }],
    });
    clock.now = new Date("2026-12-01T09:00:00Z");
    const send = serve([optOut]);
    const { flowId } = (await send("POST", "/signup")).body;
    clock.now = new Date("2026-12-01T10:00:00Z");
    const expired = await send("GET", `/signup/${flowId}`);
    expect(expired.status).toBe(410);
    expect(expired.body).not.toHaveProperty("recover");
    expect((await send("POST", `/signup/${flowId}/recover`)).status).toBe(410);
    clock.now = new Date("2026-12-01T09:00:00Z");
  });

  it("has no grace period with recoverFor: 0, and refuses other methods on the recover address", async () => {
    const store = createMemoryStore();
    const brief = defineFlow({
      name: "signup",
      ttl: "1h",
      recoverFor: 0,
      steps: [{ name: "contact", schema: z.strictObject({ name: z.string() }) }],
    });
    clock.now = new Date("2026-12-01T09:00:00Z");
    const send = serve([brief], store);
    const { flowId } = (await send("POST", "/signup")).body;
    const wrong = await send("PUT", `/signup/${flowId}/recover`, {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    // A body is not needed, and one that is sent is held to the usual limits.
    const handler = createWaymark({ flows: [brief], store, now: () => clock.now });
    const recover = (init: RequestInit) =>
      handler.fetch(
        new Request(`http://waymark.test/signup/${flowId}/recover`, { method: "POST", ...init }),
      );
    expect(
      (await recover({ body: "x".repeat(70_000), headers: { "content-type": "application/json" } }))
        .status,
    ).toBe(413);
    expect(
      (await recover({ body: "hello", headers: { "content-type": "text/plain" } })).status,
    ).toBe(415);
    expect(
      (await recover({ body: "{", headers: { "content-type": "application/json" } })).status,
    ).toBe(400);
    expect((await recover({})).status).toBe(200);
    clock.now = new Date("2026-12-01T10:00:00Z");
    expect((await send("GET", `/signup/${flowId}`)).body).not.toHaveProperty("recover");
    expect(await store.purgeExpired(clock.now)).toBe(1);
    expect((await send("POST", `/signup/${flowId}/recover`)).status).toBe(404);
    clock.now = new Date("2026-12-01T09:00:00Z");
  });
});
