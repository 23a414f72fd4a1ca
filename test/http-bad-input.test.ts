import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type HttpClient,
  origin,
  personalInfo,
} from "./support/http-client.ts";

const json = { "content-type": "application/json" };

/** A started flow with step 1 ready to be written, and how to check it stayed as it was. */
async function started(client: HttpClient = createHttpClient()) {
  const { path, etag } = await client.start();
  return {
    client,
    path,
    step1: `${path}/step/1`,
    /** Sends a raw body to PUT step 1. */
    putRaw(body: BodyInit, headers: Record<string, string> = json) {
      return client.send("PUT", `${path}/step/1`, { body, headers });
    },
    unchanged: () => client.expectUnchanged(path, { version: 1, etag }),
  };
}

describe("HTTP bad input: bodies", () => {
  it("malformed JSON is 400", async () => {
    const flow = await started();
    await expectProblem(await flow.putRaw('{"firstName": "Ada",'), 400, "invalid-json");
    await flow.unchanged();
  });

  it("invalid UTF-8 bytes are 400", async () => {
    const flow = await started();
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"firstName": "'),
      0xc3,
      0x28,
      0xff,
      ...new TextEncoder().encode('"}'),
    ]);
    const problem = await expectProblem(await flow.putRaw(bytes), 400, "invalid-json");
    expect(problem.detail).toMatch(/UTF-8/);
    await flow.unchanged();
  });

  it.each([
    ["arrays", `${"[".repeat(10_000)}${"]".repeat(10_000)}`],
    ["objects", `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`],
    ["unbalanced arrays", "[".repeat(60_000)],
  ])("10,000 nested %s are a 4xx, not a 5xx", async (_label, body) => {
    const flow = await started();
    const response = await flow.putRaw(body);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await expectProblem(response, 400, "invalid-json");
    await flow.unchanged();
  });

  // Regression: JSON.parse reads these as Infinity, which no store keeps; a schema that
  // let them through made the step's output non-JSON and the write a 500.
  it.each([
    ["a number too large for a double", '{"firstName":"Ada","extra":1e400}'],
    ["a negative one", '{"firstName":"Ada","extra":-1e400}'],
    ["one nested in an array", '{"firstName":"Ada","extra":[1, 2e308]}'],
  ])("%s is 400, whatever the schema", async (_label, body) => {
    const flow = await started();
    const problem = await expectProblem(await flow.putRaw(body), 400, "invalid-json");
    expect(problem.detail).toMatch(/IEEE 754/);
    await flow.unchanged();
  });

  it("a __proto__ key is 422 naming /__proto__, bare or in the envelope", async () => {
    const flow = await started();
    const raw = JSON.stringify(personalInfo).replace("{", '{"__proto__": {"polluted": true}, ');
    const problem = await expectProblem(await flow.putRaw(raw), 422, "invalid-step-data");
    expect(problem.errors).toContainEqual({
      path: "/__proto__",
      code: "unknown_key",
      params: {},
      message: "Unknown key",
    });

    const enveloped = `{"personalInfo": ${raw}}`;
    const again = await expectProblem(await flow.putRaw(enveloped), 422, "invalid-step-data");
    expect(again.errors).toContainEqual({
      path: "/__proto__",
      code: "unknown_key",
      params: {},
      message: "Unknown key",
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await flow.unchanged();
  });

  it("an unknown key is 422 naming it", async () => {
    const flow = await started();
    const response = await flow.client.put(flow.path, 1, { ...personalInfo, isAdmin: true });
    const problem = await expectProblem(response, 422, "invalid-step-data");
    expect(problem.errors).toEqual([
      { path: "/isAdmin", code: "unknown_key", params: {}, message: "Unknown key" },
    ]);
    await flow.unchanged();
  });

  it.each([
    ["an array", "[]"],
    ["an array of the data", JSON.stringify([personalInfo])],
    ["null", "null"],
    ["a string", '"Ada"'],
    ["a number", "42"],
    ["a boolean", "true"],
  ])("%s as the body is 422", async (_label, body) => {
    const flow = await started();
    const problem = await expectProblem(await flow.putRaw(body), 422, "invalid-step-data");
    expect(problem.errors).toEqual([
      {
        path: "",
        code: "invalid_type",
        params: { expected: "object" },
        message: "Expected a JSON object",
      },
    ]);
    await flow.unchanged();
  });

  it("wrong types are 422 with one { path, message } per field", async () => {
    const flow = await started();
    const response = await flow.client.put(flow.path, 1, {
      firstName: 1,
      lastName: true,
      email: "not an email",
      dateOfBirth: "1990-02-30",
    });
    const problem = await expectProblem(response, 422, "invalid-step-data");
    const paths = (problem.errors ?? []).map((error) => error.path).sort();
    expect(paths).toEqual(["/dateOfBirth", "/email", "/firstName", "/lastName"]);
    for (const error of problem.errors ?? []) expect(error.message).not.toBe("");
    await flow.unchanged();
  });

  it("missing fields are 422 naming each", async () => {
    const flow = await started();
    const problem = await expectProblem(
      await flow.client.put(flow.path, 1, {}),
      422,
      "invalid-step-data",
    );
    const paths = (problem.errors ?? []).map((error) => error.path).sort();
    expect(paths).toEqual(["/dateOfBirth", "/email", "/firstName", "/lastName"]);
  });

  it("the age rule uses the injected clock: 17 years and 364 days old is 422", async () => {
    const flow = await started();
    const response = await flow.client.put(flow.path, 1, {
      ...personalInfo,
      dateOfBirth: "2012-01-16",
    });
    const problem = await expectProblem(response, 422, "invalid-step-data");
    expect(problem.errors).toEqual([
      {
        path: "/dateOfBirth",
        code: "custom",
        params: {},
        message: "You must be at least 18 years old",
      },
    ]);
    await flow.unchanged();
  });

  it.each([
    ["no content type", {}],
    ["text/plain", { "content-type": "text/plain" }],
    ["form encoding", { "content-type": "application/x-www-form-urlencoded" }],
    ["a json look-alike", { "content-type": "application/jsonx" }],
    ["a compressed body", { "content-type": "application/json", "content-encoding": "gzip" }],
    ["an unknown encoding", { "content-type": "application/json", "content-encoding": "br" }],
  ])("%s is 415", async (_label, headers: Record<string, string>) => {
    const flow = await started();
    const response = await flow.putRaw(JSON.stringify(personalInfo), headers);
    await expectProblem(response, 415, "unsupported-media-type");
    await flow.unchanged();
  });

  // Regression: duplicate names were resolved last-wins, so a reader taking the first
  // value (a proxy, a WAF, an audit log) saw a refusal where Waymark saw acceptance.
  it("{acceptTerms:false, acceptTerms:true} no longer completes the review step", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    const { flow } = await client.read(path);
    await client.putOk(path, 2, employeeContract);
    const body = '{"acceptTerms":false,"acceptTerms":true}';
    const response = await client.send("PUT", `${path}/step/4`, { body, headers: json });
    const problem = await expectProblem(response, 400, "invalid-json");
    expect(problem.errors?.[0]?.path).toBe("/acceptTerms");
    expect((await client.read(path)).flow).toMatchObject({
      status: "in_progress",
      version: flow.version + 1,
    });
  });

  it.each([
    ["at the top", '{"firstName":"Ada","firstName":"Bob"}', "/firstName"],
    [
      "nested in the envelope",
      '{"personalInfo":{"email":"a@b.co","email":"c@d.co"}}',
      "/personalInfo/email",
    ],
    ["the envelope itself", '{"personalInfo":{},"personalInfo":{}}', "/personalInfo"],
  ])("a member name repeated %s is 400 with a pointer to it", async (_label, body, path) => {
    const flow = await started();
    const problem = await expectProblem(await flow.putRaw(body), 400, "invalid-json");
    expect(problem.errors).toEqual([{ path, message: expect.stringContaining("more than once") }]);
    await flow.unchanged();
  });

  it("a coded body's 415 names the accepted coding in Accept-Encoding (RFC 9110 §12.5.3)", async () => {
    const flow = await started();
    const response = await flow.putRaw(JSON.stringify(personalInfo), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    await expectProblem(response, 415, "unsupported-media-type");
    expect(response.headers.get("accept-encoding")).toBe("identity");
    await flow.unchanged();
  });

  it("accepts application/json with a charset and +json types", async () => {
    for (const contentType of ["application/json; charset=utf-8", "application/merge+json"]) {
      const flow = await started();
      const response = await flow.putRaw(JSON.stringify(personalInfo), {
        "content-type": contentType,
      });
      expect(response.status, contentType).toBe(200);
    }
  });

  it("a body over 64 KiB is 413", async () => {
    const flow = await started();
    const body = JSON.stringify({ ...personalInfo, firstName: "x".repeat(64 * 1024) });
    const problem = await expectProblem(await flow.putRaw(body), 413, "body-too-large");
    expect(problem.maxBytes).toBe(65_536);
    await flow.unchanged();
  });

  it("a custom maxBodyBytes is the exact limit", async () => {
    const flow = await started(createHttpClient({ maxBodyBytes: 1024 }));
    const data = JSON.stringify(personalInfo);
    const atLimit = data.padEnd(1024, " ");
    const problem = await expectProblem(await flow.putRaw(`${atLimit} `), 413, "body-too-large");
    expect(problem.maxBytes).toBe(1024);
    await flow.unchanged();
    expect((await flow.putRaw(atLimit)).status).toBe(200);
  });

  // Content-Length picks how a body is read; the limit applies to the bytes themselves.
  it("a Content-Length that understates the body gets it no further than the limit", async () => {
    const flow = await started(createHttpClient({ maxBodyBytes: 1024 }));
    const body = JSON.stringify({ ...personalInfo, firstName: "x".repeat(2048) });
    const response = await flow.putRaw(body, { ...json, "content-length": "10" });
    const problem = await expectProblem(response, 413, "body-too-large");
    expect(problem.maxBytes).toBe(1024);
    await flow.unchanged();
  });

  it("an endless streamed body is 413 and asks to close the connection", async () => {
    const flow = await started();
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    // Node's Request needs `duplex` for a stream body; the DOM typings do not know it yet.
    const init: RequestInit & { duplex: "half" } = {
      method: "PUT",
      headers: json,
      body: endless,
      duplex: "half",
    };
    const response = await flow.client.waymark.fetch(new Request(`${origin}${flow.step1}`, init));
    await expectProblem(response, 413, "body-too-large");
    expect(response.headers.get("connection")).toBe("close");
    expect(sent).toBeLessThan(64 * 1024 * 32);
    await flow.unchanged();
  });
});

/** One hostile request to PUT step 1: a body and, optionally, headers replacing JSON's. */
interface Hostile {
  name: string;
  body: BodyInit;
  headers?: Record<string, string>;
}

const encode = (text: string) => new TextEncoder().encode(text);
const valid = JSON.stringify(personalInfo);

const hostile: Hostile[] = [
  { name: "empty body", body: "" },
  { name: "whitespace", body: "   \n\t " },
  { name: "truncated JSON", body: valid.slice(0, -1) },
  { name: "trailing garbage", body: `${valid}x` },
  { name: "two documents", body: `${valid}${valid}` },
  { name: "single quotes", body: valid.replaceAll('"', "'") },
  { name: "NaN literal", body: '{"firstName": NaN}' },
  { name: "NUL bytes", body: encode("\u0000\u0000\u0000") },
  { name: "lone continuation bytes", body: new Uint8Array([0x7b, 0x80, 0x80, 0x7d]) },
  { name: "overlong UTF-8 slash", body: new Uint8Array([0x22, 0xc0, 0xaf, 0x22]) },
  { name: "UTF-16LE JSON", body: new Uint8Array([...encode(valid)].flatMap((b) => [b, 0])) },
  {
    name: "gzip bytes",
    body: new Uint8Array(gzipSync(valid)),
    headers: { ...json, "content-encoding": "gzip" },
  },
  { name: "null", body: "null" },
  { name: "empty array", body: "[]" },
  { name: "number", body: "1e400" },
  { name: "__proto__", body: '{"__proto__": {"isAdmin": true}}' },
  { name: "constructor.prototype", body: '{"constructor": {"prototype": {"isAdmin": true}}}' },
  { name: "duplicate keys, bad last", body: valid.replace(/}$/, ', "firstName": 1}') },
  { name: "envelope holding an array", body: `{"personalInfo": [${valid}]}` },
  { name: "another step's envelope", body: `{"contractDetails": ${valid}}` },
  { name: "4,000 unknown keys", body: JSON.stringify(Object.fromEntries(keys(4_000))) },
  {
    name: "firstName of 10k chars",
    body: JSON.stringify({ ...personalInfo, firstName: "x".repeat(10_000) }),
  },
  {
    name: "email with CRLF",
    body: JSON.stringify({ ...personalInfo, email: "a@b.co\r\nBcc: x@y.z" }),
  },
  {
    name: "date with time",
    body: JSON.stringify({ ...personalInfo, dateOfBirth: "1990-12-10T00:00:00Z" }),
  },
  {
    name: "born in the future",
    body: JSON.stringify({ ...personalInfo, dateOfBirth: "2999-01-01" }),
  },
  { name: "blank names", body: JSON.stringify({ ...personalInfo, firstName: "   " }) },
  { name: "nested 40 deep", body: `${"[".repeat(40)}${"]".repeat(40)}` },
  { name: "text/plain", body: valid, headers: { "content-type": "text/plain" } },
  {
    name: "multipart",
    body: valid,
    headers: { "content-type": "multipart/form-data; boundary=x" },
  },
  { name: "weak If-Match", body: valid, headers: { ...json, "if-match": 'W/"v1"' } },
  { name: "future If-Match", body: valid, headers: { ...json, "if-match": '"v2"' } },
  { name: "empty If-Match", body: valid, headers: { ...json, "if-match": "" } },
  { name: "junk If-Match", body: valid, headers: { ...json, "if-match": "\u00ff\u00fe, ,,," } },
  { name: "oversized", body: JSON.stringify({ ...personalInfo, lastName: "y".repeat(70_000) }) },
];

function* keys(count: number): Generator<[string, number]> {
  for (let i = 0; i < count; i++) yield [`k${i}`, i];
}

describe("HTTP bad input: hostile requests to PUT step 1", () => {
  it.each(hostile.map((item) => [item.name, item] as const))(
    "%s is a 4xx problem and writes nothing",
    async (_name, { body, headers }) => {
      const flow = await started();
      const response = await flow.putRaw(body, headers ?? json);
      const text = await response.text();
      expect(response.status, text).toBeGreaterThanOrEqual(400);
      expect(response.status, text).toBeLessThan(500);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json\b/);
      expect((JSON.parse(text) as { type: string }).type).toMatch(/^urn:waymark:problem:/);
      await flow.unchanged();
    },
  );

  it("all of them in a row leave one flow at version 1, then valid data is accepted", async () => {
    const flow = await started();
    for (const { name, body, headers } of hostile) {
      const response = await flow.putRaw(body, headers ?? json);
      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
    }
    await flow.unchanged();
    expect((await flow.putRaw(valid)).status).toBe(200);
  });
});
