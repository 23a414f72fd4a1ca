import { describe, expect, it } from "vitest";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type FlowView,
  personalInfo,
} from "./support/http-client.ts";

describe("HTTP caching and conditional requests", () => {
  it("GET flow has an ETag and Cache-Control: no-store", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const response = await client.send("GET", path);
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBe(etag);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("If-None-Match with the current ETag answers 304 with no body", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    for (const ifNoneMatch of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
      const response = await client.send("GET", path, {
        headers: { "if-none-match": ifNoneMatch },
      });
      expect(response.status, ifNoneMatch).toBe(304);
      expect(response.headers.get("etag")).toBe(etag);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.text()).toBe("");
    }
  });

  it("If-None-Match with an old ETag answers 200 with the new state", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    await client.putOk(path, 1, personalInfo);
    const response = await client.send("GET", path, { headers: { "if-none-match": etag } });
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).not.toBe(etag);
    expect(((await response.json()) as FlowView).version).toBe(2);
  });

  it("PUT with a stale If-Match answers 412 and leaves the flow unchanged", async () => {
    const client = createHttpClient();
    const { path, etag: stale } = await client.start();
    await client.putOk(path, 1, personalInfo);
    const before = await client.read(path);

    const response = await client.put(path, 2, employeeContract, { "if-match": stale });
    await expectProblem(response, 412, "precondition-failed");
    await client.expectUnchanged(path, { version: before.flow.version, etag: before.etag });
    expect((await client.read(path)).flow.data).not.toHaveProperty("contract-details");
  });

  it("PUT with the matching If-Match answers 200 with a new ETag", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": etag });
    expect(response.status).toBe(200);
    const next = response.headers.get("etag");
    expect(next).toMatch(/^"[^"]+"$/);
    expect(next).not.toBe(etag);
    expect(((await response.json()) as FlowView).version).toBe(2);
    expect((await client.read(path)).etag).toBe(next);
  });

  it("an identical resubmission answers 200 with the same ETag and version", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const first = await client.put(path, 1, personalInfo);
    const firstEtag = first.headers.get("etag");
    const firstVersion = ((await first.json()) as FlowView).version;

    const again = await client.put(path, 1, personalInfo, { "if-match": firstEtag ?? "" });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe(firstEtag);
    expect(((await again.json()) as FlowView).version).toBe(firstVersion);

    const reordered = Object.fromEntries(Object.entries(personalInfo).reverse());
    const third = await client.put(path, "personal-info", { personalInfo: reordered });
    expect(third.headers.get("etag")).toBe(firstEtag);
  });

  it("a weak tag in If-Match never matches (strong comparison)", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": `W/${etag}` });
    await expectProblem(response, 412, "precondition-failed");
    await client.expectUnchanged(path, { version: 1, etag });
  });

  it("If-Match: * matches an existing flow", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": "*" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as FlowView).version).toBe(2);
  });

  it("If-Match with a list matches when one of the tags is current", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": `"v0", ${etag}` });
    expect(response.status).toBe(200);
  });

  it("the ETag of a step read is the flow's ETag and honours If-None-Match", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const step = await client.send("GET", `${path}/step/1`);
    expect(step.headers.get("etag")).toBe(etag);
    const cached = await client.send("GET", `${path}/step/1`, {
      headers: { "if-none-match": etag },
    });
    expect(cached.status).toBe(304);
  });
});

describe("concurrent writes", () => {
  it("two writes with the same If-Match: one wins, the other is 412", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const responses = await Promise.all([
      client.put(path, 1, personalInfo, { "if-match": etag }),
      client.put(path, 1, { ...personalInfo, firstName: "Grace" }, { "if-match": etag }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 412]);
    expect((await client.read(path)).flow.version).toBe(2);
  });

  it("two writes without If-Match both land, one after the other", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const responses = await Promise.all([
      client.put(path, 1, { ...personalInfo, firstName: "Ada" }),
      client.put(path, 1, { ...personalInfo, firstName: "Grace" }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect((await client.read(path)).flow.version).toBe(3);
  });
});

describe("strict mode (requireIfMatch)", () => {
  it("answers 428 to a PUT without If-Match and writes nothing", async () => {
    const client = createHttpClient({ requireIfMatch: true });
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo);
    await expectProblem(response, 428, "precondition-required");
    await client.expectUnchanged(path, { version: 1, etag });
  });

  it("does not take If-Match: * as a version", async () => {
    const client = createHttpClient({ requireIfMatch: true });
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": "*" });
    await expectProblem(response, 428, "precondition-required");
    await client.expectUnchanged(path, { version: 1, etag });
  });

  it("accepts a PUT with the current ETag", async () => {
    const client = createHttpClient({ requireIfMatch: true });
    const { path, etag } = await client.start();
    const response = await client.put(path, 1, personalInfo, { "if-match": etag });
    expect(response.status).toBe(200);
  });
});

describe("conditional DELETE", () => {
  it("answers 412 to a stale If-Match and erases nothing", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await expectProblem(
      await client.send("DELETE", path, { headers: { "if-match": etag } }),
      412,
      "precondition-failed",
    );
    const { flow, etag: now } = await client.read(path);
    expect(flow.version).toBe(2);
    expect((await client.send("DELETE", path, { headers: { "if-match": now } })).status).toBe(204);
    expect((await client.send("GET", path)).status).toBe(404);
  });
});
