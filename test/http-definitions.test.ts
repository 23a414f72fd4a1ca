import { describe, expect, it } from "vitest";
import { defineFlow, defineStep, type FlowDefinition } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  createHttpClient,
  expectProblem,
  type FlowView,
  personalInfo,
} from "./support/http-client.ts";

const signupV1 = defineFlow({
  name: "signup",
  version: 1,
  ttl: "1h",
  steps: [defineStep({ name: "email", schema: z.strictObject({ email: z.email() }) })],
});
const signupV2 = defineFlow({
  name: "signup",
  version: 2,
  ttl: "1h",
  steps: [
    defineStep({ name: "email", schema: z.strictObject({ email: z.email() }) }),
    defineStep({ name: "name", schema: z.strictObject({ name: z.string().max(100) }) }),
  ],
});

/** A client for these flows over `store`, sending JSON bodies. */
function client(
  flows: FlowDefinition[],
  store = createSqliteStore({ path: ":memory:" }),
  writeWaitMs?: number,
) {
  const http = createHttpClient({ flows, store, writeWaitMs });
  return {
    store,
    send: (method: string, path: string, json?: unknown) =>
      http.send(method, path, json === undefined ? {} : { json }),
  };
}

describe("definition versions", () => {
  it("starts new flows on the newest version and keeps older flows on theirs", async () => {
    const old = client([signupV1]);
    const started = (await (await old.send("POST", "/signup")).json()) as FlowView;

    const both = client([signupV1, signupV2], old.store);
    const fresh = (await (await both.send("POST", "/signup")).json()) as {
      definitionVersion: number;
    };
    expect(fresh.definitionVersion).toBe(2);

    // The v1 flow completes after its single step, as v1 says.
    const done = await both.send("PUT", `/signup/${started.flowId}/step/email`, {
      email: "ada@example.com",
    });
    expect(done.status).toBe(200);
    expect(((await done.json()) as FlowView).status).toBe("completed");
  });

  it("answers 410 for a flow whose version is no longer served, and still erases it", async () => {
    const old = client([signupV1]);
    const started = (await (await old.send("POST", "/signup")).json()) as FlowView;
    const path = `/signup/${started.flowId}`;

    const newer = client([signupV2], old.store);
    await expectProblem(await newer.send("GET", path), 410, "definition-retired");
    await expectProblem(
      await newer.send("PUT", `${path}/step/1`, { email: "ada@example.com" }),
      410,
      "definition-retired",
    );
    expect((await newer.send("DELETE", path)).status).toBe(204);
    expect(await old.store.load(started.flowId)).toBeUndefined();
  });
});

describe("a write that keeps losing its compare-and-set", () => {
  it("is retried until writeWaitMs has passed, then answers 409 and writes nothing", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    let saves = 0;
    // A fake store whose every compare-and-set loses, as if another writer always won.
    const losing = {
      ...inner,
      save: async () => {
        saves += 1;
        return false;
      },
    };
    const { send } = client([onboarding], losing, 300);
    const { flowId } = (await (await send("POST", "/onboarding")).json()) as FlowView;
    const started = performance.now();
    const response = await send("PUT", `/onboarding/${flowId}/step/1`, personalInfo);
    const waited = performance.now() - started;
    await expectProblem(response, 409, "concurrent-update");
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2_000);
    // Each retry holds the flow's write lock, and pauses, growing to 16 ms, between tries.
    expect(saves).toBeGreaterThan(5);
    expect(saves).toBeLessThan(300);
    expect((await inner.load(flowId))?.version).toBe(1);
    // The lock was released: another writer can take it at once.
    expect(await inner.claimWriteLock?.(flowId, "next", 1_000)).toBe(true);
  });
});
