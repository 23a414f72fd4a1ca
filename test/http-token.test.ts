import { describe, expect, it } from "vitest";
import { generateKeyEntry, openToken, parseKeyring, sealToken } from "../src/token/jwe.ts";
import { createTokenMode } from "../src/token/mode.ts";
import {
  companyDetails,
  contractorContract,
  createHttpClient,
  dayMs,
  expectProblem,
  type FlowView,
  personalInfo,
  review,
} from "./support/http-client.ts";

const keys = `${generateKeyEntry("k2")},${generateKeyEntry("k1")}`;

function tokenClient(spec = keys, maxTokenBytes?: number) {
  const keyring = parseKeyring(spec);
  return createHttpClient({
    tokens: createTokenMode(maxTokenBytes ? { keyring, maxTokenBytes } : { keyring }),
  });
}

type Client = ReturnType<typeof tokenClient>;

/** PUTs step data and returns the new flow path, from the Location the write answers. */
async function step(client: Client, path: string, ref: string | number, data: unknown) {
  const response = await client.put(path, ref, data);
  expect(response.status, await response.clone().text()).toBe(200);
  const location = response.headers.get("location");
  expect(location).not.toBe(path);
  const flow = (await response.json()) as FlowView;
  expect(location).toBe(`/onboarding/${flow.flowId}`);
  return { path: location ?? "", flow };
}

describe("token mode over HTTP", () => {
  it("runs the contractor walkthrough, each write answering a new flow id", async () => {
    const client = tokenClient();
    const { path: start, flow: created } = await client.start();
    expect(created.flowId.split(".")).toHaveLength(5);
    let path = start;
    for (const [ref, data] of [
      [1, personalInfo],
      ["contract-details", contractorContract],
      [3, companyDetails],
    ] as const) {
      ({ path } = await step(client, path, ref, data));
    }
    const done = await step(client, path, "review", review);
    expect(done.flow.status).toBe("completed");
    expect(done.flow.data["company-details"]).toEqual(companyDetails);
    const { flow } = await client.read(done.path);
    expect(flow.version).toBe(5);
  });

  it("lets an older token rewind its own flow, while the newer one carries on", async () => {
    const client = tokenClient();
    const { path: first } = await client.start();
    const { path: second } = await step(client, first, 1, personalInfo);
    const old = await client.read(first);
    expect(old.flow.version).toBe(1);
    const newer = await client.read(second);
    expect(newer.flow.version).toBe(2);
  });

  // Guards caching across replays: branches grown from one old token share a version.
  it("tags each token, so two branches from one old token never share an ETag", async () => {
    const client = tokenClient();
    const { path } = await client.start();
    const a = await client.put(path, 1, personalInfo);
    const b = await client.put(path, 1, { ...personalInfo, firstName: "Grace" });
    const [tagA, tagB] = [a.headers.get("etag"), b.headers.get("etag")];
    expect(tagA).not.toBe(tagB);
    const bPath = b.headers.get("location") ?? "";
    const read = await client.send("GET", bPath, { headers: { "if-none-match": tagA ?? "" } });
    expect(read.status).toBe(200);
    const same = await client.send("GET", bPath, { headers: { "if-none-match": tagB ?? "" } });
    expect(same.status).toBe(304);
    const stale = await client.put(bPath, 1, personalInfo, { "if-match": tagA ?? "" });
    await expectProblem(stale, 412, "precondition-failed");
  });

  it("answers only 4xx to a token altered at any single position", async () => {
    const client = tokenClient();
    const { flow } = await client.start();
    const token = flow.flowId;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (let index = 0; index < token.length; index++) {
      const swapped = alphabet[(alphabet.indexOf(token[index] ?? "A") + 11) % alphabet.length];
      const tampered = token.slice(0, index) + swapped + token.slice(index + 1);
      const response = await client.send("GET", `/onboarding/${tampered}`);
      expect(response.status, `position ${index}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `position ${index}`).toBeLessThan(500);
    }
  });

  it.each([
    ["truncated", (token: string) => token.slice(0, -5)],
    ["with a part missing", (token: string) => token.split(".").slice(1).join(".")],
    ["oversized", (token: string) => token + "A".repeat(9000)],
    ["empty parts", () => "...."],
    // Regression: characters outside base64url were answered flow-not-found.
    ["ending in a character outside base64url", (token: string) => `${token.slice(0, -1)}!`],
    ["with an encoded non-ASCII prefix", (token: string) => `%C3%BC${token}`],
  ])("answers 404 invalid-flow-token to a token %s", async (_label, mangle) => {
    const client = tokenClient();
    const { flow } = await client.start();
    await expectProblem(
      await client.send("GET", `/onboarding/${mangle(flow.flowId)}`),
      404,
      "invalid-flow-token",
    );
  });

  it("opens tokens of a rotated-out key while it is listed, and refuses them once retired", async () => {
    const [k2, k1] = keys.split(",");
    const before = tokenClient(k1);
    const { path } = await before.start();
    const rotated = tokenClient(`${k2},${k1}`);
    expect((await rotated.send("GET", path)).status).toBe(200);
    const retired = tokenClient(k2);
    await expectProblem(await retired.send("GET", path), 404, "invalid-flow-token");
  });

  it("answers 410 to an expired token", async () => {
    const client = tokenClient();
    const { path } = await client.start();
    client.advance(7 * dayMs);
    await expectProblem(await client.send("GET", path), 410, "flow-expired");
    await expectProblem(await client.put(path, 1, personalInfo), 410, "flow-expired");
  });

  it("refuses a write whose token would pass the limit, issuing nothing", async () => {
    const client = tokenClient(keys, 600);
    const { path } = await client.start();
    const response = await client.put(path, 1, { ...personalInfo, lastName: "L".repeat(100) });
    const problem = await expectProblem(response, 422, "token-too-large");
    expect(problem.maxTokenBytes).toBe(600);
    expect(response.headers.get("location")).toBeNull();
  });

  it("answers DELETE with 204, and refuses Idempotency-Key with 400", async () => {
    const client = tokenClient();
    const { path } = await client.start();
    expect((await client.send("DELETE", path)).status).toBe(204);
    await expectProblem(
      await client.send("POST", "/onboarding", { headers: { "idempotency-key": "k" } }),
      400,
      "idempotency-key-unsupported",
    );
  });

  it("answers bad input with the same 4xx problems as with a store, issuing no token", async () => {
    const client = tokenClient();
    const { path, etag } = await client.start();
    const json = { "content-type": "application/json" };
    const bad: Array<
      [number | string, { body: string; headers?: Record<string, string> }, number]
    > = [
      [1, { body: "{", headers: json }, 400],
      [1, { body: JSON.stringify({ ...personalInfo, email: "nope" }), headers: json }, 422],
      [1, { body: '{"__proto__":{"x":1}}', headers: json }, 422],
      [1, { body: JSON.stringify([personalInfo]), headers: json }, 422],
      [1, { body: JSON.stringify(personalInfo) }, 415],
      [1, { body: JSON.stringify({ firstName: "x".repeat(70_000) }), headers: json }, 413],
      [2, { body: JSON.stringify(contractorContract), headers: json }, 409],
      [9, { body: JSON.stringify(personalInfo), headers: json }, 404],
      [1, { body: JSON.stringify(personalInfo), headers: { ...json, "if-match": '"v9"' } }, 412],
    ];
    for (const [ref, request, status] of bad) {
      const response = await client.send("PUT", `${path}/step/${ref}`, request);
      expect(response.status, `${ref} ${request.body.slice(0, 30)}`).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("location")).toBeNull();
    }
    await client.expectUnchanged(path, { version: 1, etag });
  });

  // Guards against 500s: only Waymark seals tokens, yet nothing inside one may crash a request.
  it.each([
    ["a time past what a Date holds", { createdAt: 9e15, updatedAt: 9e15, expiresAt: 9e15 }],
    ["times out of order", { createdAt: 5, updatedAt: 4 }],
    ["step data that is not an object", { data: { "personal-info": "x" } }],
  ])("answers 404 to a well-sealed token holding %s", async (_label, change) => {
    const client = tokenClient();
    const { flow } = await client.start();
    const record = openToken(flow.flowId, parseKeyring(keys)) as Record<string, unknown>;
    const forged = sealToken({ ...record, ...change }, parseKeyring(keys));
    await expectProblem(
      await client.send("GET", `/onboarding/${forged}`),
      404,
      "invalid-flow-token",
    );
  });
});
