import { describe, expect, it } from "vitest";
import type { HandlerOptions, OpenApiDocument } from "waymark";
import { createTokenMode, generateKeyEntry, parseKeyring, type TokenMode } from "waymark/token";
import { claim, profile } from "./fixtures/openapi-access-flows.ts";
import {
  createHttpClient,
  dayMs,
  employeeContract,
  personalInfo,
  type RequestOptions,
  review,
} from "./support/http-client.ts";
import {
  createConformanceCheck,
  type FoundOperation,
  type Json,
} from "./support/openapi-document.ts";

type Options = Partial<Omit<HandlerOptions, "now">> & { tokens?: TokenMode };

/**
 * A client whose every answer is checked against the document the same handler
 * publishes: the status is documented for the operation, required headers are there,
 * the body matches. `send` names the documented path each request is for.
 */
async function checkedClient(options: Options) {
  const client = createHttpClient(options);
  const base = options.basePath ?? "";
  const published = await client.send("GET", `${base}/openapi.json`);
  expect(published.status).toBe(200);
  const document = (await published.json()) as OpenApiDocument;
  const check = createConformanceCheck(document);
  const mismatches: string[] = [];
  const answered: string[] = [];

  async function send(
    method: string,
    template: string,
    path: string,
    request: RequestOptions = {},
  ): Promise<Response> {
    const response = await client.send(method, `${base}${path}`, request);
    const lower = method.toLowerCase() as FoundOperation["method"];
    const operation = document.paths[template]?.[lower] as Json | undefined;
    if (!operation) throw new Error(`${method} ${template} is not in the document`);
    const mismatch = await check({ path: template, method: lower, operation }, response.clone());
    if (mismatch) mismatches.push(`${method} ${path} → ${response.status}: ${mismatch}`);
    answered.push(`${method} ${template} ${response.status}`);
    return response;
  }
  return { client, send, mismatches, answered, base };
}

const flowPath = "/onboarding/{flowId}";
const step = (name: string) => `/onboarding/{flowId}/step/${name}`;

/** The onboarding walked through successes and most refusals, every answer checked. */
async function walk(options: Options) {
  const checked = await checkedClient({ maxBodyBytes: 4096, ...options });
  const { send, client, base } = checked;
  const token = options.tokens !== undefined;
  await send("GET", "/onboarding", "/onboarding");
  await send("POST", "/onboarding", "/onboarding", { headers: { "idempotency-key": " " } });
  await send("POST", "/onboarding", "/onboarding", { headers: { "idempotency-key": "k-1" } });
  await send("POST", "/onboarding", "/onboarding", {
    body: "{",
    headers: { "content-type": "application/json" },
  });
  await send("POST", "/onboarding", "/onboarding", {
    body: "x",
    headers: { "content-type": "text/plain" },
  });
  await send("POST", "/onboarding", "/onboarding", { json: { pad: "x".repeat(5000) } });
  const created = await send("POST", "/onboarding", "/onboarding");
  let id = ((await created.json()) as { flowId: string }).flowId;
  /** Token mode answers a new flow id with each change. */
  const follow = (response: Response) => {
    const location = response.headers.get("location");
    if (location) id = location.slice(`${base}/onboarding/`.length);
    return response;
  };

  const read = await send("GET", flowPath, `/onboarding/${id}`);
  const etag = read.headers.get("etag") ?? "";
  await send("GET", flowPath, `/onboarding/${id}`, { headers: { "if-none-match": etag } });
  await send("GET", flowPath, `/onboarding/${id}`, { headers: { "if-match": '"nope"' } });
  await send("GET", flowPath, "/onboarding/no-such-flow");
  if (!token) await send("GET", `${flowPath}/events`, "/onboarding/no-such-flow/events");
  await send("PUT", step("contract-details"), `/onboarding/${id}/step/contract-details`, {
    json: employeeContract,
  });
  await send("PUT", step("personal-info"), `/onboarding/${id}/step/personal-info`, { json: {} });
  await send("PUT", step("personal-info"), `/onboarding/${id}/step/personal-info`, {
    json: { ...personalInfo, extra: "\u0000" },
  });
  await send("PUT", step("personal-info"), `/onboarding/${id}/step/personal-info`, {
    body: '{"a":1,"a":2}',
    headers: { "content-type": "application/json" },
  });
  follow(
    await send("PUT", step("personal-info"), `/onboarding/${id}/step/personal-info`, {
      json: { personalInfo },
    }),
  );
  await send("PUT", step("review"), `/onboarding/${id}/step/review`, {
    json: review,
    headers: { "if-match": etag },
  });
  follow(
    await send("PUT", step("contract-details"), `/onboarding/${id}/step/contract-details`, {
      json: employeeContract,
    }),
  );
  await send("PUT", step("company-details"), `/onboarding/${id}/step/company-details`, {
    json: { companyName: "Analytical Engines Ltd", vatId: "GB123456789" },
  });
  const saved = await send("GET", step("personal-info"), `/onboarding/${id}/step/personal-info`);
  await send("GET", step("personal-info"), `/onboarding/${id}/step/personal-info`, {
    headers: { "if-none-match": saved.headers.get("etag") ?? "" },
  });
  await send("GET", step("review"), `/onboarding/${id}/step/review`);
  follow(await send("PUT", step("review"), `/onboarding/${id}/step/review`, { json: review }));
  await send("PUT", step("personal-info"), `/onboarding/${id}/step/personal-info`, {
    json: { ...personalInfo, firstName: "Augusta" },
  });
  await send("DELETE", flowPath, `/onboarding/${id}`, { headers: { "if-match": '"stale"' } });
  client.advance(8 * dayMs);
  await send("GET", flowPath, `/onboarding/${id}`);
  await send("PUT", step("review"), `/onboarding/${id}/step/review`, { json: review });
  await send("DELETE", flowPath, `/onboarding/${id}`);
  if (!token) await send("DELETE", flowPath, `/onboarding/${id}`);
  return checked;
}

describe("the published document matches what the server answers", () => {
  it("with a store, rate limit and CORS: every answer of a walk through the onboarding", async () => {
    const { mismatches, answered } = await walk({
      rateLimit: { limit: 1000, windowMs: 60_000 },
      cors: { origins: "*" },
    });
    expect(mismatches).toEqual([]);
    const statuses = new Set(answered.map((line) => Number(line.split(" ").at(-1))));
    expect([...statuses].sort()).toEqual([
      200, 201, 204, 304, 400, 404, 409, 410, 412, 413, 415, 422,
    ]);
  });

  it("in token mode, under a base path", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });
    const { mismatches, answered } = await walk({ tokens, basePath: "/api" });
    expect(mismatches).toEqual([]);
    expect(answered).toContain("POST /onboarding 400");
    expect(answered).toContain("GET /onboarding/{flowId} 410");
    expect(answered.filter((line) => line.startsWith("PUT") && line.endsWith(" 200"))).toHaveLength(
      3,
    );
  });

  it("a rate-limited request and a step write without If-Match in strict mode", async () => {
    const { send, mismatches, answered } = await checkedClient({
      rateLimit: { limit: 3, windowMs: 60_000 },
      requireIfMatch: true,
    });
    const created = await send("POST", "/onboarding", "/onboarding");
    const { flowId } = (await created.json()) as { flowId: string };
    await send("PUT", step("personal-info"), `/onboarding/${flowId}/step/personal-info`, {
      json: personalInfo,
    });
    await send("GET", "/onboarding", "/onboarding");
    expect(mismatches).toEqual([]);
    expect(answered).toEqual([
      "POST /onboarding 201",
      `PUT ${step("personal-info")} 428`,
      "GET /onboarding 429",
    ]);
  });

  it("secret and authorize flows: the flowSecret at the start, refusals as 404", async () => {
    const { send, mismatches, answered } = await checkedClient({ flows: [claim, profile] });
    const started = await send("POST", "/claim", "/claim");
    const { flowId, flowSecret } = (await started.json()) as { flowId: string; flowSecret: string };
    const bearer = { authorization: `Bearer ${flowSecret}` };
    await send("GET", "/claim/{flowId}", `/claim/${flowId}`, { headers: bearer });
    await send("GET", "/claim/{flowId}", `/claim/${flowId}`);
    await send("PUT", "/claim/{flowId}/step/incident", `/claim/${flowId}/step/incident`, {
      json: { happenedOn: "2030-01-01", summary: "Hail", items: [{ name: "Roof", value: 900 }] },
      headers: bearer,
    });
    await send("GET", "/claim/{flowId}/step/incident", `/claim/${flowId}/step/incident`, {
      headers: bearer,
    });
    await send("POST", "/profile", "/profile");
    const session = { cookie: "session=u-1" };
    const mine = await send("POST", "/profile", "/profile", { headers: session });
    const profileId = ((await mine.json()) as { flowId: string }).flowId;
    await send("DELETE", "/profile/{flowId}", `/profile/${profileId}`, {
      headers: { cookie: "session=u-2" },
    });
    await send("DELETE", "/profile/{flowId}", `/profile/${profileId}`, { headers: session });
    expect(mismatches).toEqual([]);
    expect(answered).toEqual([
      "POST /claim 201",
      "GET /claim/{flowId} 200",
      "GET /claim/{flowId} 404",
      "PUT /claim/{flowId}/step/incident 200",
      "GET /claim/{flowId}/step/incident 200",
      "POST /profile 404",
      "POST /profile 201",
      "DELETE /profile/{flowId} 404",
      "DELETE /profile/{flowId} 204",
    ]);
  });
});
