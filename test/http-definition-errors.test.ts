import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createWaymark, defineFlow, defineStep, type FlowRepresentation } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { z } from "zod";
import { expectProblem, origin, startTime } from "./support/http-client.ts";

type Armed = "schema" | "check" | "later-check" | "when" | "beforeComplete" | "onComplete";

/** The secret a definition's error message quotes: it must never reach a log or a client. */
const secret = "ada@example.com";

/**
 * A three-step flow whose every piece of user code throws a TypeError quoting personal
 * data while `armed` names it.
 */
function trappedFlow() {
  const trap: { armed: Armed | undefined } = { armed: undefined };
  const boom = (hook: Armed) => {
    if (trap.armed === hook) throw new TypeError(`failed for ${secret}`);
  };
  const flow = defineFlow({
    name: "trapped",
    ttl: "1d",
    steps: [
      defineStep({
        name: "first",
        schema: z.strictObject({
          name: z.string().refine(() => {
            boom("schema");
            return true;
          }),
        }),
        check: () => {
          boom("check");
          return [];
        },
      }),
      defineStep({
        name: "second",
        schema: z.strictObject({ x: z.string() }),
        when: () => {
          boom("when");
          return true;
        },
        check: () => {
          boom("later-check");
          return [];
        },
      }),
      defineStep({ name: "third", schema: z.strictObject({ ok: z.literal(true) }) }),
    ],
    beforeComplete: () => {
      boom("beforeComplete");
      return [];
    },
    onComplete: () => boom("onComplete"),
  });
  return { flow, trap };
}

const keepings = {
  "SQLite store": () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-deferr-"));
    const path = join(dir, "flows.db");
    return {
      keeping: { store: createSqliteStore({ path }) },
      /** Rows in the flows table, read behind the store's back. */
      rows: () => {
        const db = new Database(path, { readonly: true });
        try {
          return (db.prepare("SELECT count(*) AS n FROM waymark_flows").get() as { n: number }).n;
        } finally {
          db.close();
        }
      },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  "token mode": () => ({
    keeping: { tokens: createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) }) },
    rows: () => 0,
    cleanup: () => {},
  }),
};

describe.each(Object.entries(keepings))("user code that throws, %s", (name, open) => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  function setUp() {
    const { flow, trap } = trappedFlow();
    const kept = open();
    cleanup = kept.cleanup;
    const logged: Array<Record<string, unknown>> = [];
    const waymark = createWaymark({
      flows: [flow],
      ...kept.keeping,
      now: () => startTime,
      logger: { info: () => {}, error: (fields) => logged.push(fields) },
    });
    const send = (method: string, path: string, json?: unknown, headers = {}) =>
      waymark.fetch(
        new Request(`${origin}${path}`, {
          method,
          headers: { "content-type": "application/json", ...headers },
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        }),
      );
    /** Submits a step and follows the flow to its new address (it moves in token mode). */
    async function submit(path: string, step: number, json: unknown): Promise<string> {
      const response = await send("PUT", `${path}/step/${step}`, json);
      expect(response.status, await response.clone().text()).toBe(200);
      return response.headers.get("location") ?? path;
    }
    async function start(): Promise<string> {
      const response = await send("POST", "/trapped");
      expect(response.status).toBe(201);
      return response.headers.get("location") ?? "";
    }
    /** Reads the flow with every trap disarmed: what a failed request left behind. */
    async function versionOf(path: string, armed: Armed): Promise<number> {
      trap.armed = undefined;
      const flow = (await (await send("GET", path)).json()) as FlowRepresentation;
      trap.armed = armed;
      return flow.version;
    }
    /** A 500 definition-error naming the step and hook, logged without the message. */
    async function expectDefinitionError(
      response: Response,
      step: string | undefined,
      hook: string,
    ) {
      const problem = await expectProblem(response, 500, "definition-error");
      expect(problem).toMatchObject({ flow: "trapped", hook, ...(step ? { step } : {}) });
      expect(JSON.stringify(problem)).not.toContain(secret);
      expect(logged.at(-1)).toMatchObject({
        code: "definition-error",
        flow: "trapped",
        step,
        hook,
        err: { class: "TypeError" },
      });
      expect(JSON.stringify(logged)).not.toContain(secret);
    }
    const store = "store" in kept.keeping ? kept.keeping.store : undefined;
    return { trap, send, submit, start, versionOf, expectDefinitionError, rows: kept.rows, store };
  }

  it("POST: a throwing `when` answers 500 and leaves no flow behind", async () => {
    const t = setUp();
    t.trap.armed = "when";
    await t.expectDefinitionError(await t.send("POST", "/trapped"), "second", "when");
    expect(t.rows()).toBe(0);
  });

  // Token mode refuses Idempotency-Key outright: nothing to claim there.
  if (name !== "token mode") {
    it("POST with an Idempotency-Key: nothing kept, and the retry creates the flow", async () => {
      const t = setUp();
      t.trap.armed = "when";
      const key = { "idempotency-key": "create-1" };
      await t.expectDefinitionError(
        await t.send("POST", "/trapped", undefined, key),
        "second",
        "when",
      );
      expect(t.rows()).toBe(0);
      t.trap.armed = undefined;
      expect((await t.send("POST", "/trapped", undefined, key)).status).toBe(201);
      expect(t.rows()).toBe(1);
    });

    it("GET of the flow and of a step: a throwing `when` answers 500", async () => {
      const t = setUp();
      const path = await t.start();
      t.trap.armed = "when";
      await t.expectDefinitionError(await t.send("GET", path), "second", "when");
      await t.expectDefinitionError(await t.send("GET", `${path}/step/1`), "second", "when");
    });
  }

  it.each([
    ["schema", "first"],
    ["check", "first"],
    ["when", "second"],
  ] as const)("PUT of the first step: a throwing %s writes nothing", async (hook, step) => {
    const t = setUp();
    const path = await t.start();
    t.trap.armed = hook;
    await t.expectDefinitionError(
      await t.send("PUT", `${path}/step/1`, { name: "Ada" }),
      step,
      hook,
    );
    expect(await t.versionOf(path, hook)).toBe(1);
  });

  it("PUT that re-plans: a later step's throwing `check` writes nothing", async () => {
    const t = setUp();
    let path = await t.start();
    path = await t.submit(path, 1, { name: "Ada" });
    path = await t.submit(path, 2, { x: "y" });
    t.trap.armed = "later-check";
    const response = await t.send("PUT", `${path}/step/1`, { name: "Grace" });
    await t.expectDefinitionError(response, "second", "check");
    expect(await t.versionOf(path, "later-check")).toBe(3);
  });

  it("PUT of the last step: a throwing beforeComplete refuses the completion", async () => {
    const t = setUp();
    let path = await t.start();
    path = await t.submit(path, 1, { name: "Ada" });
    path = await t.submit(path, 2, { x: "y" });
    t.trap.armed = "beforeComplete";
    const response = await t.send("PUT", `${path}/step/3`, { ok: true });
    await t.expectDefinitionError(response, "third", "beforeComplete");
    expect(response.headers.get("location")).toBeNull();
    expect(await t.versionOf(path, "beforeComplete")).toBe(3);
  });

  // Token mode has no outbox: completion is delivered before the answer, or not at all.
  // A store's outbox delivers it after the completing write, and retries a failure.
  it(
    name === "token mode"
      ? "PUT of the last step: a throwing onComplete refuses the completion, which a retry delivers again"
      : "PUT of the last step: a throwing onComplete leaves the completion saved, with its delivery in the outbox",
    async () => {
      const t = setUp();
      let path = await t.start();
      path = await t.submit(path, 1, { name: "Ada" });
      path = await t.submit(path, 2, { x: "y" });
      t.trap.armed = "onComplete";
      const response = await t.send("PUT", `${path}/step/3`, { ok: true });
      if (name === "token mode") {
        await t.expectDefinitionError(response, undefined, "onComplete");
        expect(response.headers.get("location")).toBeNull();
        expect(await t.versionOf(path, "onComplete")).toBe(3);
      } else {
        expect(response.status).toBe(200);
        expect(await t.versionOf(path, "onComplete")).toBe(4);
        const { deliveries = [] } =
          (await t.store?.listDeliveries?.({ state: "pending", limit: 9 })) ?? {};
        expect(deliveries.map((d) => [d.destination, d.event.type])).toEqual([
          ["handler:onComplete", "flow.completed"],
        ]);
      }
    },
  );

  it("DELETE runs no definition code: erasing works whatever the definition does", async () => {
    const t = setUp();
    const path = await t.start();
    t.trap.armed = "when";
    expect((await t.send("DELETE", path)).status).toBe(204);
    expect(t.rows()).toBe(0);
  });
});

describe("user code that breaks its contract is a definition-error, and writes nothing", () => {
  /** A one-step flow built from `step`, served over a memory store. */
  async function firstWrite(step: Record<string, unknown>, body: unknown = { code: "X" }) {
    const flow = defineFlow({ name: "broken", ttl: "1h" }).step({
      name: "only",
      schema: z.strictObject({ code: z.string() }),
      ...step,
      // The types already refuse these; the CLI loads flow files without type-checking.
    } as never);
    const waymark = createWaymark({
      flows: [flow],
      store: createMemoryStore(),
      now: () => startTime,
    });
    const created = await waymark.fetch(new Request(`${origin}/broken`, { method: "POST" }));
    const path = created.headers.get("location") ?? "";
    const put = await waymark.fetch(
      new Request(`${origin}${path}/step/1`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    const after = (await (await waymark.fetch(new Request(`${origin}${path}`))).json()) as {
      version?: number;
    };
    return { put, after, created };
  }

  it.each([
    [
      "an async check (never awaited)",
      { check: async () => [{ path: "/code", message: "No" }] },
      "check",
    ],
    ["a check returning a string", { check: () => "nope" }, "check"],
    ["a check returning errors without a message", { check: () => [{ path: 42 }] }, "check"],
    [
      "a schema whose output holds a BigInt",
      { schema: z.strictObject({ code: z.string().transform((c) => BigInt(c.length)) }) },
      "schema",
    ],
    [
      "a schema whose output holds a Date",
      { schema: z.strictObject({ code: z.string().transform(() => new Date(0)) }) },
      "schema",
    ],
    [
      "a schema whose output holds NaN",
      { schema: z.strictObject({ code: z.string().transform(() => Number.NaN) }) },
      "schema",
    ],
    [
      "a schema whose output holds undefined in an array",
      { schema: z.strictObject({ code: z.string().transform(() => [undefined]) }) },
      "schema",
    ],
    [
      "a schema whose output is not an object",
      { schema: z.strictObject({ code: z.string() }).transform(() => "text") },
      "schema",
    ],
    [
      "an async check that rejects (never awaited, and no unhandled rejection)",
      {
        check: async () => {
          throw new Error("late");
        },
      },
      "check",
    ],
  ])("%s", async (_, step, hook) => {
    const { put, after } = await firstWrite(step);
    const problem = await expectProblem(put, 500, "definition-error");
    expect(problem).toMatchObject({ flow: "broken", step: "only", hook });
    expect(after.version).toBe(1);
  });

  it("an optional field a schema turns into undefined is absent, as in JSON", async () => {
    const schema = z.strictObject({
      code: z.string(),
      nickname: z
        .string()
        .transform((text) => text || undefined)
        .optional(),
    });
    const { put } = await firstWrite({ schema }, { code: "X", nickname: "" });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { data: unknown }).data).toEqual({ only: { code: "X" } });
  });

  it.each([
    ["an async when", { when: async () => false }],
    [
      "an async when that rejects",
      {
        when: async () => {
          throw new Error("late");
        },
      },
    ],
    ["a when returning a string", { when: () => "no" }],
  ])("%s fails the create, and no flow is left behind", async (_, step) => {
    const { created } = await firstWrite(step);
    const problem = await expectProblem(created, 500, "definition-error");
    expect(problem).toMatchObject({ flow: "broken", step: "only", hook: "when" });
    expect(created.headers.get("location")).toBeNull();
  });
});
