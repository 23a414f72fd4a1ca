// Requests generated from the served OpenAPI document: valid and broken bodies, hostile
// strings, odd headers and methods. No response may be a 5xx, and every response must
// be one the document describes (status, media type, body schema, required headers).
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createWaymark, type FlowDefinition, type Waymark } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { ledger, vault } from "./fixtures/access-flows.ts";
import {
  anyJson,
  createResponseChecker,
  deeplyNested,
  hostileDate,
  hostileString,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  validInstance,
} from "./support/openapi-fuzz.ts";

const origin = "http://waymark.test";

/** A live flow the fuzzer can address, with what its access mode needs. */
interface Known {
  flow: string;
  flowId: string;
  secret?: string;
}

/** Responses by status, across both runs, for the report. */
const counts = new Map<number, number>();
let sent = 0;

afterAll(() => {
  const byStatus = [...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
  const serverErrors = [...counts].filter(([s]) => s >= 500).reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `fuzz: ${sent} requests from /openapi.json, ${serverErrors} × 5xx; ${byStatus.join(", ")}`,
  );
});

describe("fuzzing from the OpenAPI document", () => {
  it("has a checker that refuses what the document does not say", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createSqliteStore({ path: ":memory:" }),
    });
    const response = await waymark.fetch(new Request(`${origin}/openapi.json`));
    const document = (await response.json()) as OpenApiDocument;
    const check = createResponseChecker(document);
    const read = operationsOf(document).find(
      (o) => o.method === "GET" && o.template === "/onboarding/{flowId}",
    ) as Operation;
    const json = {
      "content-type": "application/json",
      etag: '"v1"',
      "cache-control": "no-store",
      "content-language": "en",
    };
    expect(await check(read, new Response("{}", { status: 418, headers: json }))).toMatch(
      /not documented/,
    );
    expect(await check(read, new Response('{"flowId":1}', { headers: json }))).toMatch(
      /does not match/,
    );
    const noType = { etag: '"v1"', "cache-control": "no-store", "content-language": "en" };
    expect(await check(read, new Response("{}", { headers: noType }))).toMatch(/media type/);
  });

  it("answers 5,000 generated requests on SQLite with no 5xx, each as documented", async () => {
    const waymark = createWaymark({
      flows: [onboarding, vault, ledger],
      store: createSqliteStore({ path: ":memory:" }),
    });
    await fuzz(waymark, [onboarding, vault, ledger], Number(process.env.FUZZ_RUNS ?? 5_000));
  });

  it("answers 1,500 generated requests in token mode with no 5xx, each as documented", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("fuzz")) });
    const waymark = createWaymark({ flows: [onboarding, vault], tokens });
    await fuzz(waymark, [onboarding, vault], 1_500);
  });
});

async function fuzz(waymark: Waymark, flows: FlowDefinition[], runs: number) {
  const send = (method: string, path: string, init: RequestInit = {}) =>
    waymark.fetch(new Request(`${origin}${path}`, { method, ...init }));
  const document = (await (await send("GET", "/openapi.json")).json()) as OpenApiDocument;
  const operations = operationsOf(document);
  // Every flow and every step of it has its operations.
  for (const flow of flows) {
    for (const step of flow.steps) {
      expect(operations.some((o) => o.method === "PUT" && o.template.endsWith(step.name))).toBe(
        true,
      );
    }
  }
  const check = createResponseChecker(document);
  const known: Known[] = [];

  async function start(flow: string): Promise<void> {
    const response = await send("POST", `/${flow}`, { headers: { "x-user": "ada" } });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { flowId: string; flowSecret?: string };
    known.push({
      flow,
      flowId: body.flowId,
      ...(body.flowSecret ? { secret: body.flowSecret } : {}),
    });
  }
  for (const flow of flows) for (let i = 0; i < 5; i++) await start(flow.name);

  const property = fc.asyncProperty(
    fc.gen(),
    fc.integer({ min: 1, max: 2 ** 30 }),
    async (g, seed) => {
      // By index: a counterexample then prints a number, not the whole operation.
      const documented = operations[g(fc.nat, operations.length - 1)] as Operation;
      const flowName = documented.template.split("/")[1] ?? "";
      const candidates = known.filter((k) => k.flow === flowName);
      // Half the step writes are clean but for their body, so that broken data reaches
      // the schema and the engine instead of being refused at the door.
      const clean = documented.bodySchema !== undefined && candidates.length > 0 && g(fc.boolean);
      const target =
        candidates.length > 0 && (clean || g(fc.nat, 4) > 0)
          ? g(fc.constantFrom, ...candidates)
          : undefined;

      const path = documented.template.replace(/\{([^}]+)\}/g, () =>
        target && (clean || g(fc.nat, 9) > 0) ? target.flowId : pathValue(g),
      );
      const method =
        !clean && g(fc.nat, 9) === 0 ? g(fc.constantFrom, ...oddMethods) : documented.method;
      const headers = new Headers();
      if (clean) {
        if (target?.secret) headers.set("authorization", `Bearer ${target.secret}`);
        headers.set("x-user", "ada");
      } else {
        addCredentials(g, headers, target);
        addConditions(g, headers);
        if (method === "POST" && g(fc.boolean))
          headers.set(
            "idempotency-key",
            g(() => headerValue),
          );
        const extra = g(fc.option, fc.tuple(headerName, headerValue), { nil: undefined });
        if (extra) headers.set(extra[0], extra[1]);
      }

      const sendsBody = documented.bodySchema !== undefined || g(fc.nat, 9) === 0;
      const body = sendsBody ? makeBody(g, documented, seed) : undefined;
      if (body !== undefined) {
        const type = clean ? "application/json" : g(fc.constantFrom, ...mediaTypes);
        if (type) headers.set("content-type", type);
        if (!clean && g(fc.nat, 19) === 0) {
          headers.set("content-encoding", g(fc.constantFrom, "gzip", "br"));
        }
      }
      const canHaveBody = method !== "GET" && method !== "HEAD";
      const response = await send(method, path, {
        headers,
        ...(body !== undefined && canHaveBody ? { body } : {}),
      });
      sent++;
      counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
      const what = `${method} ${path.slice(0, 120)} → ${response.status}`;
      if (response.status >= 500) throw new Error(`${what}: ${await response.text()}`);
      const operation =
        method === documented.method
          ? documented
          : operations.find((o) => o.method === method && o.template === documented.template);
      if (operation) {
        const streamed = response.headers.get("content-type")?.startsWith("text/event-stream");
        // A stream is only checked (and hung up): there is no flow in it to remember.
        const copy = streamed ? new Response(null, { status: 204 }) : response.clone();
        const mismatch = await check(operation, response);
        if (mismatch) throw new Error(`${what}: ${mismatch}`);
        await remember(copy, flowName, target?.secret);
      } else {
        // A method the document does not list for the path: 404 or 405, as problem+json.
        expect([404, 405], what).toContain(response.status);
        expect(response.headers.get("content-type"), what).toBe("application/problem+json");
      }
    },
  );

  /** Flows the fuzz itself started or moved (token mode) join the pool. */
  async function remember(response: Response, flow: string, inherited: string | undefined) {
    if (response.status !== 201 && response.status !== 200) return;
    const body = (await response.json().catch(() => undefined)) as
      | { flowId?: unknown; flowSecret?: unknown }
      | undefined;
    if (typeof body?.flowId !== "string" || known.some((k) => k.flowId === body.flowId)) return;
    // In token mode a moved flow keeps the secret its flow started with.
    const secret = typeof body.flowSecret === "string" ? body.flowSecret : inherited;
    known.push({ flow, flowId: body.flowId, ...(secret === undefined ? {} : { secret }) });
    if (known.length > 400) known.splice(0, 100);
  }

  // No shrinking: the runs share the server, so a replayed smaller case is not the same case.
  await fc.assert(property, { numRuns: runs, endOnFailure: true, ...seedOption() });
}

type Gen = fc.GeneratorValue;

const oddMethods = ["PATCH", "OPTIONS", "PROPFIND", "FOO", "GET", "PUT", "POST", "DELETE"];
const mediaTypes = [
  "application/json",
  "application/json",
  "application/json",
  "application/json",
  "application/json",
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/merge-patch+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=latin1",
  undefined,
];

/** Header values as Headers accepts them (bytes 0x20–0xFF, no edge spaces). */
const headerValue = fc
  .string({
    unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c)),
    maxLength: 300,
  })
  .filter((value) => value.length > 0);
const headerName = fc.constantFrom(
  "x-forwarded-for",
  "accept",
  "accept-encoding",
  "range",
  "expect",
  "transfer-encoding-x",
  "origin",
  "cookie",
  "x-http-method-override",
  "prefer",
);

/** A path parameter that names nothing, or names it in a hostile way. */
function pathValue(g: Gen): string {
  const raw: string = g(() =>
    fc.oneof(fc.uuid(), hostileString, fc.constant("1"), fc.constant("%2e%2e")),
  );
  const value = raw.slice(0, 20_000);
  try {
    return encodeURIComponent(value) || "x";
  } catch {
    // A lone surrogate: sent as the bytes a client's encoder makes of it.
    const bytes = new TextEncoder().encode(value);
    return Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, "0")}`).join("") || "x";
  }
}

function addCredentials(g: Gen, headers: Headers, target: Known | undefined) {
  const kind = g(fc.constantFrom, "right", "right", "right", "right", "none", "wrong", "malformed");
  if (kind === "right" && target?.secret) headers.set("authorization", `Bearer ${target.secret}`);
  if (kind === "wrong") headers.set("authorization", `Bearer ${"A".repeat(43)}`);
  if (kind === "malformed")
    headers.set(
      "authorization",
      g(() => headerValue),
    );
  const user = g(fc.constantFrom, "ada", "ada", "ada", "grace", undefined);
  if (user) headers.set("x-user", user);
}

function addConditions(g: Gen, headers: Headers) {
  const tags = fc.constantFrom('"v1"', '"v2"', '"v3"', "*", 'W/"v1"', "garbage", '"v1", "v2"', ",");
  const ifMatch = g(fc.option, tags, { nil: undefined, freq: 6 });
  if (ifMatch) headers.set("if-match", ifMatch);
  const ifNoneMatch = g(fc.option, tags, { nil: undefined, freq: 6 });
  if (ifNoneMatch) headers.set("if-none-match", ifNoneMatch);
}

/** A body for the operation: valid, mutated, or broken in one of many ways. */
function makeBody(g: Gen, operation: Operation, seed: number): BodyInit {
  const schema = operation.bodySchema ?? { type: "object" };
  const instance = validInstance(schema, seed);
  const valid = (typeof instance === "object" && instance !== null ? instance : {}) as Record<
    string,
    unknown
  >;
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const keys = Object.keys(properties);
  const kind = g(
    fc.constantFrom,
    "valid",
    "valid",
    "envelope",
    "field",
    "field",
    "boundary",
    "date",
    "missing",
    "unknown",
    "whole",
    "duplicate",
    "deep",
    "text",
    "bytes",
    "number",
    "surrogate",
    "empty",
  );
  const key = keys.length > 0 ? g(fc.constantFrom, ...keys) : "field";
  switch (kind) {
    case "valid":
      return JSON.stringify(valid);
    case "envelope": {
      const step = operation.template.split("/").at(-1) ?? "";
      const camel = step.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      return JSON.stringify({ [camel]: valid });
    }
    case "field":
      return JSON.stringify({ ...valid, [key]: g(() => fc.oneof(hostileString, anyJson)) });
    case "boundary": {
      const max = Number(properties[key]?.maxLength ?? 64);
      return JSON.stringify({
        ...valid,
        [key]: "x".repeat(max + g(fc.integer, { min: -1, max: 1 })),
      });
    }
    case "date":
      return JSON.stringify({ ...valid, [key]: g(() => hostileDate) });
    case "missing": {
      const { [key]: _gone, ...rest } = valid;
      return JSON.stringify(rest);
    }
    case "unknown":
      return JSON.stringify({ ...valid, [g(() => hostileString) || "extra"]: g(() => anyJson) });
    case "whole":
      return JSON.stringify(g(() => anyJson));
    case "duplicate":
      return `{${JSON.stringify(key)}:${JSON.stringify(g(() => anyJson))},${JSON.stringify(valid).slice(1)}`;
    case "deep":
      return deeplyNested(
        g(fc.integer, { min: 20, max: 20_000 }),
        g(fc.constantFrom, "array", "object"),
      );
    case "text":
      return g(fc.string, { maxLength: 200 });
    case "bytes":
      return new Uint8Array(g(fc.array, fc.integer({ min: 0, max: 255 }), { maxLength: 64 }));
    case "number":
      return `{${JSON.stringify(key)}:${g(fc.constantFrom, "1e400", "-1e400", "123456789012345678901234567890", "0x10", "NaN", "01")}}`;
    case "surrogate":
      return `{${JSON.stringify(key)}:"\\ud800"}`;
    default:
      return "";
  }
}

/** `FUZZ_SEED=…` replays a failing run; otherwise each run explores new requests. */
function seedOption(): { seed?: number } {
  const seed = Number(process.env.FUZZ_SEED);
  return Number.isInteger(seed) ? { seed } : {};
}
