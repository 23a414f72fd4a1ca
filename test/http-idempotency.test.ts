import { describe, expect, it } from "vitest";
import { WaymarkError } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { createHttpClient, expectProblem, type FlowView, hourMs } from "./support/http-client.ts";
import { wrapStore } from "./support/wrap-store.ts";

const key = { "idempotency-key": "3d0f9a51-7c1e-4d8e-9a0b-2f6f1c7e5b11" };

describe("Idempotency-Key on POST /{flow}", () => {
  it("replays the first response to a retry: same status, body, flowId and Location", async () => {
    const client = createHttpClient();
    const first = await client.send("POST", "/onboarding", { headers: key });
    const retry = await client.send("POST", "/onboarding", { headers: key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await retry.text()).toBe(await first.text());
  });

  it("starts a new flow for another key, or for no key", async () => {
    const client = createHttpClient();
    const ids = new Set<string>();
    for (const headers of [key, { "idempotency-key": "another" }, {}, {}]) {
      const response = await client.send("POST", "/onboarding", { headers });
      ids.add(((await response.json()) as FlowView).flowId);
    }
    expect(ids.size).toBe(4);
  });

  it("answers 422 to the same key with a different body, and keeps the first response", async () => {
    const client = createHttpClient();
    const first = await client.send("POST", "/onboarding", { headers: key, json: { ref: "a" } });
    const other = await client.send("POST", "/onboarding", { headers: key, json: { ref: "b" } });
    await expectProblem(other, 422, "idempotency-key-reused");
    const again = await client.send("POST", "/onboarding", { headers: key, json: { ref: "a" } });
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
  });

  // Regression: the fingerprint covered the raw bytes, so a client re-serialising the
  // same JSON for its retry got 422 idempotency-key-reused.
  it("fingerprints the body in canonical form (RFC 8785): key order and spacing do not matter", async () => {
    const client = createHttpClient();
    const json = { "content-type": "application/json", ...key };
    const first = await client.send("POST", "/onboarding", {
      headers: json,
      body: '{"ref":"a","meta":{"x":1,"y":[1,2]}}',
    });
    const retry = await client.send("POST", "/onboarding", {
      headers: json,
      body: '{ "meta": { "y": [1, 2], "x": 1.0 }, "ref": "a" }',
    });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    const reordered = await client.send("POST", "/onboarding", {
      headers: json,
      body: '{"ref":"a","meta":{"x":1,"y":[2,1]}}',
    });
    await expectProblem(reordered, 422, "idempotency-key-reused");
  });

  it("answers 409 with Retry-After while the first request is still running", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner = createSqliteStore({ path: ":memory:" });
    // The first create waits until the test lets it finish.
    const slow = {
      ...inner,
      create: async (...args: Parameters<typeof inner.create>) => {
        await held;
        return inner.create(...args);
      },
    };
    const client = createHttpClient({ store: slow });
    const first = client.send("POST", "/onboarding", { headers: key });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const concurrent = await client.send("POST", "/onboarding", { headers: key });
    await expectProblem(concurrent, 409, "idempotency-key-in-flight");
    // The whole lease (5 s) is left: the clock has not moved.
    expect(concurrent.headers.get("retry-after")).toBe("5");
    client.advance(3_200);
    const later = await client.send("POST", "/onboarding", { headers: key });
    await expectProblem(later, 409, "idempotency-key-in-flight");
    expect(later.headers.get("retry-after")).toBe("2");
    release();
    expect((await first).status).toBe(201);
    expect((await client.send("POST", "/onboarding", { headers: key })).status).toBe(201);
  });

  // Regression: a create cut off by a killed process blocked its key for 60 s, and every
  // retry heard "Retry-After: 1".
  it("lets a retry on another instance take over a claim left by a dead one once its 5 s lease is over", async () => {
    const shared = createSqliteStore({ path: ":memory:" });
    // The instance that dies: its create never returns, and it never releases its claim.
    const dying = createHttpClient({
      store: { ...shared, create: () => new Promise<boolean>(() => {}) },
    });
    const other = createHttpClient({ store: shared });
    void dying.send("POST", "/onboarding", { headers: key });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const blocked = await other.send("POST", "/onboarding", { headers: key });
    await expectProblem(blocked, 409, "idempotency-key-in-flight");
    expect(blocked.headers.get("retry-after")).toBe("5");
    other.advance(5_000);
    const retry = await other.send("POST", "/onboarding", { headers: key });
    expect(retry.status).toBe(201);
    const again = await other.send("POST", "/onboarding", { headers: key });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(retry.headers.get("location"));
  });

  it("answers 503 when the create outlives its lease, even when the release hangs too, and a retry then takes the key over", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    let hang = true;
    const store = {
      ...inner,
      // A store frozen mid-request: the call never returns.
      create: (...args: Parameters<typeof inner.create>) =>
        hang ? new Promise<boolean>(() => {}) : inner.create(...args),
      // Frozen for the release too, until the store comes back.
      releaseIdempotencyKey: async (...args: Parameters<typeof inner.releaseIdempotencyKey>) => {
        while (hang) await new Promise((resolve) => setTimeout(resolve, 50));
        return inner.releaseIdempotencyKey(...args);
      },
    };
    const client = createHttpClient({ store });
    const started = Date.now();
    const cut = await client.send("POST", "/onboarding", { headers: key });
    await expectProblem(cut, 503, "store-unavailable");
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(Date.now() - started).toBeLessThan(5_900);
    hang = false;
    // The release, held up by the frozen store, lands once it answers.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const retry = await client.send("POST", "/onboarding", { headers: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
  }, 15_000);

  // Regression (second case): when the store was down, the release failed too, and the
  // key stayed blocked for the rest of its lease after the store came back.
  it.each([
    ["the create fails: the key is free at once", ["create"]],
    [
      "the release fails too: it is tried again every 250 ms, so the key is free soon after the store is back",
      ["create", "releaseIdempotencyKey"],
    ],
  ])(
    "releases the key when the request fails, so a retry can succeed: %s",
    async (_label, failing) => {
      let down = true;
      const store = wrapStore(createSqliteStore({ path: ":memory:" }), (method) => {
        if (down && failing.includes(method)) {
          throw new WaymarkError("store-unavailable", "The database is down");
        }
      });
      const client = createHttpClient({ store });
      await expectProblem(
        await client.send("POST", "/onboarding", { headers: key }),
        503,
        "store-unavailable",
      );
      if (failing.includes("releaseIdempotencyKey")) {
        const blocked = await client.send("POST", "/onboarding", { headers: key });
        await expectProblem(blocked, 409, "idempotency-key-in-flight");
        down = false;
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      down = false;
      const retry = await client.send("POST", "/onboarding", { headers: key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
    },
  );

  // Regression: the store died after recording a claim but before answering it. The
  // request answered 503 and nothing released the claim, so retries got 409 for the rest
  // of its lease after the store was back.
  it.each([
    ["the release lands at once", false],
    ["the store is down for the release too: it lands once the store is back", true],
  ])(
    "releases a claim whose answer was lost, so a retry can succeed: %s",
    async (_label, downAfter) => {
      const inner = createSqliteStore({ path: ":memory:" });
      let down = false;
      const store = {
        ...inner,
        async claimIdempotencyKey(...args: Parameters<typeof inner.claimIdempotencyKey>) {
          await inner.claimIdempotencyKey(...args);
          down = downAfter;
          throw new WaymarkError("store-unavailable", "The connection closed before the answer");
        },
        async releaseIdempotencyKey(...args: Parameters<typeof inner.releaseIdempotencyKey>) {
          if (down) throw new WaymarkError("store-unavailable", "The database is down");
          return inner.releaseIdempotencyKey(...args);
        },
      };
      const client = createHttpClient({ store });
      await expectProblem(
        await client.send("POST", "/onboarding", { headers: key }),
        503,
        "store-unavailable",
      );
      const retrying = createHttpClient({ store: inner });
      if (downAfter) {
        const blocked = await retrying.send("POST", "/onboarding", { headers: key });
        await expectProblem(blocked, 409, "idempotency-key-in-flight");
        down = false;
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      const retry = await retrying.send("POST", "/onboarding", { headers: key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
    },
  );

  // Guards at-most-once: the flow was created but its response was not recorded.
  it("creates one flow, not two, when the first attempt fails after creating it", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    let created = 0;
    let failFinish = true;
    const store = {
      ...inner,
      async create(...args: Parameters<typeof inner.create>) {
        const inserted = await inner.create(...args);
        if (inserted) created += 1;
        return inserted;
      },
      async finishIdempotencyKey(...args: Parameters<typeof inner.finishIdempotencyKey>) {
        if (failFinish) {
          failFinish = false;
          throw new WaymarkError("store-unavailable", "The database blinked");
        }
        return inner.finishIdempotencyKey(...args);
      },
    };
    const client = createHttpClient({ store });
    const failed = await client.send("POST", "/onboarding", { headers: key });
    await expectProblem(failed, 503, "store-unavailable");
    const retry = await client.send("POST", "/onboarding", { headers: key });
    expect(retry.status).toBe(201);
    const again = await client.send("POST", "/onboarding", { headers: key });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(retry.headers.get("location"));
    expect(created).toBe(1);
  });

  it("keeps a key 24 hours, then treats it as new", async () => {
    const client = createHttpClient();
    const first = await client.send("POST", "/onboarding", { headers: key });
    client.advance(24 * hourMs - 1);
    const within = await client.send("POST", "/onboarding", { headers: key });
    expect(within.headers.get("location")).toBe(first.headers.get("location"));
    client.advance(1);
    const after = await client.send("POST", "/onboarding", { headers: key });
    expect(after.status).toBe(201);
    expect(after.headers.get("location")).not.toBe(first.headers.get("location"));
  });

  it.each([
    ["256 characters", "k".repeat(256)],
    ["a control character", "abc\u0001def"],
    ["non-ASCII", "clé"],
  ])("answers 400 to a key of %s and creates nothing", async (_label, bad) => {
    let creates = 0;
    const store = wrapStore(createSqliteStore({ path: ":memory:" }), (method) => {
      if (method === "create") creates += 1;
    });
    const client = createHttpClient({ store });
    const response = await client.send("POST", "/onboarding", {
      headers: { "idempotency-key": bad },
    });
    await expectProblem(response, 400, "invalid-idempotency-key");
    expect(creates).toBe(0);
  });

  it("accepts a key of 255 characters", async () => {
    const client = createHttpClient();
    const response = await client.send("POST", "/onboarding", {
      headers: { "idempotency-key": "k".repeat(255) },
    });
    expect(response.status).toBe(201);
  });
});

// Regression: without an Idempotency-Key the body was never read, so a 100 KB or
// text/plain body got 201 while the same body with a key got 413.
describe("POST /{flow} bodies, with or without a key, under the limits of every body", () => {
  it.each([
    [
      "over the size limit",
      { "content-type": "application/json" },
      `{"a":"${"x".repeat(2_000)}"}`,
      413,
      "body-too-large",
    ],
    [
      "not JSON by its type",
      { "content-type": "text/plain" },
      '{"a":1}',
      415,
      "unsupported-media-type",
    ],
    [
      "compressed",
      { "content-type": "application/json", "content-encoding": "gzip" },
      "x",
      415,
      "unsupported-media-type",
    ],
    ["malformed", { "content-type": "application/json" }, '{"a":', 400, "invalid-json"],
    [
      "with a repeated member",
      { "content-type": "application/json" },
      '{"a":1,"a":2}',
      400,
      "invalid-json",
    ],
  ])("a body %s is refused, with or without a key", async (_label, headers, body, status, code) => {
    for (const withKey of [false, true]) {
      const client = createHttpClient({ maxBodyBytes: 1024 });
      const sent = withKey ? { ...headers, ...key } : headers;
      await expectProblem(
        await client.send("POST", "/onboarding", { headers: sent, body }),
        status,
        code,
      );
    }
  });

  it("an empty body, or none, starts a flow", async () => {
    const client = createHttpClient();
    expect((await client.send("POST", "/onboarding")).status).toBe(201);
    expect((await client.send("POST", "/onboarding", { body: "" })).status).toBe(201);
  });
});
