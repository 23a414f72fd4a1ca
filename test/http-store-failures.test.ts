import { describe, expect, it } from "vitest";
import { createWaymark, WaymarkError } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import { expectProblem, origin, personalInfo } from "./support/http-client.ts";
import { wrapStore } from "./support/wrap-store.ts";

/**
 * A fake store for the HTTP layer's failure paths: a real SQLite store whose methods can
 * be made to fail on demand.
 */
function fakeFailingStore() {
  let failure: unknown;
  const store = wrapStore(createSqliteStore({ path: ":memory:" }), () => {
    if (failure !== undefined) throw failure;
  });
  return {
    store,
    failWith(error: unknown) {
      failure = error;
    },
    recover() {
      failure = undefined;
    },
  };
}

describe("store failures over HTTP", () => {
  const unavailable = new WaymarkError("store-unavailable", "The SQLite database is busy");

  it("answers 503 with Retry-After while the store is unavailable, and recovers", async () => {
    const fake = fakeFailingStore();
    const waymark = createWaymark({ flows: [onboarding], store: fake.store });
    const call = (path: string, init?: RequestInit) =>
      waymark.fetch(new Request(`${origin}${path}`, init));
    const created = (await (await call("/onboarding", { method: "POST" })).json()) as {
      flowId: string;
    };

    fake.failWith(unavailable);
    const ready = await call("/readyz");
    await expectProblem(ready, 503, "store-unavailable");
    expect(ready.headers.get("retry-after")).toBe("1");
    expect((await call("/healthz")).status).toBe(200);
    const write = await call(`/onboarding/${created.flowId}/step/1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(personalInfo),
    });
    await expectProblem(write, 503, "store-unavailable");
    expect(write.headers.get("retry-after")).toBe("1");

    fake.recover();
    expect((await call("/readyz")).status).toBe(200);
    const flow = (await (await call(`/onboarding/${created.flowId}`)).json()) as {
      version: number;
    };
    expect(flow.version).toBe(1);
  });

  // Guards logs under overload: each deliberate 503 was an error line with a full stack.
  it.each(["store-unavailable", "delivery-unavailable", "too-many-streams"] as const)(
    "logs a %s refusal once, as a warning with its code and route and no stack",
    async (code) => {
      const fake = fakeFailingStore();
      const logged: Record<string, Array<[Record<string, unknown>, string]>> = {
        info: [],
        warn: [],
        error: [],
      };
      const waymark = createWaymark({
        flows: [onboarding],
        store: fake.store,
        logger: {
          info: (fields, message) => logged.info?.push([fields, message]),
          warn: (fields, message) => logged.warn?.push([fields, message]),
          error: (fields, message) => logged.error?.push([fields, message]),
        },
      });
      fake.failWith(new WaymarkError(code, "Not now"));
      const response = await waymark.fetch(new Request(`${origin}/onboarding`, { method: "POST" }));
      await expectProblem(response, 503, code);
      expect(logged.error).toEqual([]);
      expect(logged.warn).toEqual([[{ route: "/:flow", code }, "request refused"]]);
      expect(JSON.stringify(logged)).not.toContain("stack");
      // The one-line request log still tells of it.
      expect(logged.info?.map(([, message]) => message)).toContain("request");
    },
  );

  it("logs a 500 as an error with its stack", async () => {
    const fake = fakeFailingStore();
    const warned: unknown[] = [];
    const failed: Array<Record<string, unknown>> = [];
    const waymark = createWaymark({
      flows: [onboarding],
      store: fake.store,
      logger: {
        info: () => {},
        warn: (fields) => warned.push(fields),
        error: (f) => failed.push(f),
      },
    });
    fake.failWith(new WaymarkError("internal-error", "Broken"));
    const response = await waymark.fetch(new Request(`${origin}/onboarding`, { method: "POST" }));
    await expectProblem(response, 500, "internal-error");
    expect(warned).toEqual([]);
    expect(failed).toHaveLength(1);
    expect((failed[0]?.err as { stack?: string } | undefined)?.stack).toMatch(/^\s+at /);
  });

  it("turns an unexpected error into a 500 problem that does not repeat its message", async () => {
    const fake = fakeFailingStore();
    const logged: Array<Record<string, unknown>> = [];
    const waymark = createWaymark({
      flows: [onboarding],
      store: fake.store,
      logger: { info: () => {}, error: (fields) => logged.push(fields) },
    });
    // A message over several lines must not reach the log through the stack either.
    fake.failWith(new Error("lookup failed\nemail=ada@example.com"));
    const response = await waymark.fetch(new Request(`${origin}/onboarding`, { method: "POST" }));
    const problem = await expectProblem(response, 500, "internal-error");
    expect(JSON.stringify(problem)).not.toContain("ada@example.com");
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toContain("ada@example.com");
  });
});
