import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
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

describe("store operations per request", () => {
  it("costs one read and at most one conditional write per step write", async () => {
    const counter = countingStore(createSqliteStore({ path: ":memory:" }));
    const waymark = createWaymark({ flows: [onboarding], store: counter.store });
    const call = (path: string, init?: RequestInit) =>
      waymark.fetch(new Request(`http://waymark.test${path}`, init));

    const created = (await (await call("/onboarding", { method: "POST" })).json()) as {
      flowId: string;
    };
    expect(counter.take()).toEqual({ create: 1 });

    const step1 = `/onboarding/${created.flowId}/step/1`;
    expect((await call(step1, jsonRequest("PUT", personalInfo))).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1, save: 1 });

    // Identical resubmission: a read, no write.
    expect((await call(step1, jsonRequest("PUT", personalInfo))).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1 });

    // Invalid data: a read to find the flow, no write.
    expect((await call(step1, jsonRequest("PUT", { ...personalInfo, email: "x" }))).status).toBe(
      422,
    );
    expect(counter.take()).toEqual({ load: 1 });

    // Malformed JSON is refused before the store is asked anything.
    const malformed = { method: "PUT", headers: { "content-type": "application/json" }, body: "{" };
    expect((await call(step1, malformed)).status).toBe(400);
    expect(counter.take()).toEqual({});

    expect((await call(`/onboarding/${created.flowId}`)).status).toBe(200);
    expect(counter.take()).toEqual({ load: 1 });
  });
});
