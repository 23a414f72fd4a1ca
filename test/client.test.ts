import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createWaymark, type StepInput, type Waymark } from "waymark";
import { type ClientOptions, clientProblemTypes, createClient } from "waymark/client";
import { toNodeListener } from "waymark/node";
import { createMemoryStore } from "waymark/store/memory";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { ledger, vault } from "./fixtures/access-flows.ts";
import { freePort } from "./support/processes.ts";

// The typed client against real handlers: called through `fetch` without a socket, and
// over a real port with node:http.

type Onboarding = typeof onboarding;

const personalInfo = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  dateOfBirth: "1990-12-10",
} satisfies StepInput<Onboarding, "personal-info">;
const contract = {
  contractType: "contractor",
  startDate: "2027-01-04",
  role: "Engineer",
} satisfies StepInput<Onboarding, "contract-details">;
const company = {
  companyName: "Analytical Engines Ltd",
  vatId: "GB123456789",
} satisfies StepInput<Onboarding, "company-details">;

/** What the server was sent: method, path and the headers the client is responsible for. */
interface Sent {
  method: string;
  path: string;
  ifMatch: string | null;
  ifNoneMatch: string | null;
  key: string | null;
  authorization: string | null;
  extra: string | null;
  user: string | null;
  credentials: RequestCredentials;
}

/**
 * A Waymark over a memory store (or in token mode), and a `fetch` for the client that
 * hands each request to it and records what was sent. `intercept` may answer a request
 * itself (a fault), given the handler's own answer to forward or drop.
 */
function serve(
  options: {
    tokens?: boolean;
    basePath?: string;
    flows?: Parameters<typeof createWaymark>[0]["flows"];
    now?: () => Date;
    intercept?: (request: Request, forward: () => Promise<Response>) => Promise<Response>;
  } = {},
) {
  const keeping = options.tokens
    ? { tokens: createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) }) }
    : { store: createMemoryStore() };
  const waymark = createWaymark({
    flows: options.flows ?? [onboarding],
    ...keeping,
    ...(options.basePath ? { basePath: options.basePath } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const sent: Sent[] = [];
  const fetch = (request: Request): Promise<Response> => {
    const header = (name: string) => request.headers.get(name);
    sent.push({
      method: request.method,
      path: new URL(request.url).pathname,
      ifMatch: header("if-match"),
      ifNoneMatch: header("if-none-match"),
      key: header("idempotency-key"),
      authorization: header("authorization"),
      extra: header("x-extra"),
      user: header("x-user"),
      credentials: request.credentials,
    });
    const forward = () => waymark.fetch(request);
    return options.intercept ? options.intercept(request, forward) : forward();
  };
  const clientWith = (extra: Partial<ClientOptions> = {}) =>
    createClient<Onboarding>({
      baseUrl: `http://waymark.test${options.basePath ?? ""}`,
      flow: "onboarding",
      fetch,
      retry: { baseDelayMs: 1 },
      ...extra,
    });
  return { waymark, sent, fetch, client: clientWith(), clientWith };
}

/** Unwraps an ok result, failing the test with the problem otherwise. */
function ok<T>(result: { ok: true; value: T } | { ok: false; problem: unknown }): T {
  if (!result.ok) expect.fail(`expected success, got ${JSON.stringify(result.problem)}`);
  return result.value;
}

function problem503(retryAfter: string): Response {
  return new Response(
    JSON.stringify({
      type: "urn:waymark:problem:store-unavailable",
      title: "The store is unavailable",
      status: 503,
      detail: "Try again",
    }),
    {
      status: 503,
      headers: { "content-type": "application/problem+json", "retry-after": retryAfter },
    },
  );
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** Listens on a free local port; closed after the test. */
async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("client: driving a flow", () => {
  it("runs the whole onboarding with typed data, sending If-Match with each write's ETag", async () => {
    const { client, sent } = serve();
    const flow = ok(await client.start());
    expect(flow.etag).toBe('"v1"');
    expect(flow.latest?.currentStep?.name).toBe("personal-info");

    const first = ok(await flow.submit("personal-info", personalInfo));
    expect(first.data["personal-info"]?.email).toBe("ada@example.com");
    ok(await flow.submit(2, contract));
    ok(await flow.submit("company-details", company));
    const done = ok(await flow.submit("review", { acceptTerms: true }));

    expect(done.status).toBe("completed");
    expect(done.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": contract,
      "company-details": company,
      review: { acceptTerms: true },
    });
    expect(flow.etag).toBe('"v5"');
    expect(flow.latest).toEqual(done);
    const puts = sent.filter((request) => request.method === "PUT");
    expect(puts.map((request) => [request.path.split("/").at(-1), request.ifMatch])).toEqual([
      ["personal-info", '"v1"'],
      ["2", '"v2"'],
      ["company-details", '"v3"'],
      ["review", '"v4"'],
    ]);
    expect(puts.every((request) => request.path.startsWith(`/onboarding/${flow.id}/step/`))).toBe(
      true,
    );

    const step = ok(await flow.step("contract-details"));
    expect(step).toMatchObject({ number: 2, status: "done", data: contract });
    expect(ok(await flow.step(3)).data).toEqual(company);
  });

  it("answers a 422 problem with its field errors, and the handle's ETag stays", async () => {
    const { client } = serve();
    const flow = ok(await client.start());
    const result = await flow.submit("personal-info", {
      ...personalInfo,
      email: "ada.example.com",
      dateOfBirth: "2020-01-01",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({
      type: "urn:waymark:problem:invalid-step-data",
      status: 422,
      errors: [{ path: "/email", message: "Enter an email address like name@example.com" }],
    });
    expect(flow.etag).toBe('"v1"');
    expect(ok(await flow.get()).data).toEqual({});
  });

  it("answers 412 on a stale ETag; get() reads the flow again and the next write goes through", async () => {
    const { client } = serve();
    const mine = ok(await client.start());
    const theirs = client.resume(mine.id);
    ok(await theirs.get());
    ok(await theirs.submit("personal-info", personalInfo));

    const stale = await mine.submit("personal-info", { ...personalInfo, firstName: "Augusta" });
    expect(stale).toMatchObject({
      ok: false,
      problem: { status: 412, type: "urn:waymark:problem:precondition-failed" },
    });
    expect(mine.etag).toBe('"v1"');
    const fresh = ok(await mine.get());
    expect(fresh.data["personal-info"]?.firstName).toBe("Ada");
    expect(mine.etag).toBe('"v2"');
    const saved = ok(await mine.submit("personal-info", { ...personalInfo, firstName: "Augusta" }));
    expect(saved.version).toBe(3);
  });

  it("revalidates with If-None-Match, answering a 304 from the representation it holds", async () => {
    const responses: number[] = [];
    const { client, sent } = serve({
      intercept: async (_request, forward) => {
        const response = await forward();
        responses.push(response.status);
        return response;
      },
    });
    const flow = ok(await client.start());
    const read = ok(await flow.get());
    expect(sent.at(-1)?.ifNoneMatch).toBe('"v1"');
    expect(responses.at(-1)).toBe(304);
    expect(read).toEqual(flow.latest);
    expect(read.flowId).toBe(flow.id);
  });

  it("resumes a flow from its id after a reload, with a new client", async () => {
    const { client, clientWith, sent } = serve();
    const before = ok(await client.start());
    ok(await before.submit("personal-info", personalInfo));
    const id = before.id;

    const after = clientWith().resume(id);
    expect(after.latest).toBeUndefined();
    const flow = ok(await after.get());
    expect(flow.currentStep?.name).toBe("contract-details");
    expect(sent.at(-1)?.ifNoneMatch).toBeNull();
    ok(await after.submit("contract-details", { ...contract, contractType: "employee" }));
    expect(sent.at(-1)?.ifMatch).toBe('"v2"');
    expect(after.latest?.steps.map((step) => step.status)).toEqual([
      "done",
      "done",
      "skipped",
      "current",
    ]);
  });

  it("erases a flow with If-Match; reading it then answers 404", async () => {
    const { client, sent } = serve();
    const flow = ok(await client.start());
    expect(await flow.erase()).toEqual({ ok: true, value: null, etag: undefined });
    expect(sent.at(-1)).toMatchObject({ method: "DELETE", ifMatch: '"v1"' });
    expect(await flow.get()).toMatchObject({
      ok: false,
      problem: { status: 404, type: "urn:waymark:problem:flow-not-found" },
    });
  });

  it("describes the flow: its steps, the conditional one marked, and its access mode", async () => {
    const { client } = serve();
    const description = ok(await client.describe());
    expect(description.steps.map((step) => [step.name, step.conditional])).toEqual([
      ["personal-info", false],
      ["contract-details", false],
      ["company-details", true],
      ["review", false],
    ]);
    expect(description.access).toBe("capability");
    expect(description.links.start).toEqual({ href: "/onboarding", method: "POST" });
  });

  it("answers an unknown flow name as a problem", async () => {
    const { fetch } = serve();
    const client = createClient({ baseUrl: "http://waymark.test", flow: "offboarding", fetch });
    expect(await client.start()).toMatchObject({
      ok: false,
      problem: { status: 404, type: "urn:waymark:problem:unknown-flow" },
    });
  });

  it("sends the headers option with every request, calling a function before each one", async () => {
    const { clientWith, sent } = serve();
    let calls = 0;
    const c = clientWith({
      headers: async () => ({ "x-extra": `call-${++calls}` }),
      credentials: "include",
    });
    const flow = ok(await c.start());
    ok(await flow.get());
    expect(sent.map((request) => request.extra)).toEqual(["call-1", "call-2"]);
  });
});

describe("client: recovery", () => {
  const day = 86_400_000;
  const expired = { status: 410, type: "urn:waymark:problem:flow-expired" };

  it("recovers an expired flow through the problem's recover link, with its data and a new expiry", async () => {
    let now = new Date("2026-12-01T09:00:00.000Z");
    const { client, sent } = serve({ now: () => now });
    const flow = ok(await client.start());
    ok(await flow.submit("personal-info", personalInfo));
    // The onboarding lives 7 days after its last change, and is kept 30 more.
    now = new Date(now.getTime() + 8 * day);
    const read = await flow.get();
    expect(read).toMatchObject({
      ok: false,
      problem: {
        ...expired,
        recoverableUntil: "2027-01-07T09:00:00.000Z",
        recover: { href: `/onboarding/${flow.id}/recover`, method: "POST" },
      },
    });

    const recovered = ok(await flow.recover());
    expect(sent.at(-1)).toMatchObject({
      method: "POST",
      path: `/onboarding/${flow.id}/recover`,
      ifMatch: '"v2"',
    });
    expect(recovered.data).toEqual({ "personal-info": personalInfo });
    expect(recovered.currentStep?.name).toBe("contract-details");
    expect(recovered.expiresAt).toBe(new Date(now.getTime() + 7 * day).toISOString());
    expect(flow.etag).toBe('"v3"');
    expect(flow.latest).toEqual(recovered);
    ok(await flow.submit("contract-details", contract));
    expect(sent.at(-1)?.ifMatch).toBe('"v3"');
  });

  it("follows the new token in token mode; past the recovery period there is no recover link", async () => {
    let now = new Date("2026-12-01T09:00:00.000Z");
    const { client } = serve({ tokens: true, now: () => now });
    const flow = ok(await client.start());
    ok(await flow.submit("personal-info", personalInfo));
    const token = flow.id;
    now = new Date(now.getTime() + 8 * day);
    const recovered = ok(await flow.recover());
    expect(flow.id).not.toBe(token);
    expect(recovered.flowId).toBe(flow.id);
    expect(recovered.data).toEqual({ "personal-info": personalInfo });

    now = new Date(now.getTime() + 40 * day);
    const read = await flow.get();
    expect(read).toMatchObject({ ok: false, problem: expired });
    expect(read.ok ? undefined : read.problem.recover).toBeUndefined();
    expect(await flow.recover()).toMatchObject({ ok: false, problem: expired });
    expect(flow.id).toBe(recovered.flowId);
  });
});

describe("client: token mode", () => {
  it("starts without an Idempotency-Key once refused, and follows the new flow id after each write", async () => {
    const { client: c, sent } = serve({ tokens: true });
    const flow = ok(await c.start());
    // The first start learns that the server keeps no keys, and starts without one.
    expect(sent.map((request) => [request.method, request.key === null])).toEqual([
      ["POST", false],
      ["POST", true],
    ]);
    const ids = [flow.id];
    for (const [step, data] of [
      ["personal-info", personalInfo],
      ["contract-details", { ...contract, contractType: "employee" }],
      ["review", { acceptTerms: true }],
    ] as const) {
      const saved = ok(await flow.submit(step, data));
      expect(flow.id).toBe(saved.flowId);
      expect(sent.at(-1)?.path).toBe(`/onboarding/${ids.at(-1)}/step/${step}`);
      ids.push(flow.id);
    }
    expect(new Set(ids).size).toBe(4);
    expect(ok(await flow.get()).status).toBe("completed");
    expect(sent.at(-1)?.path).toBe(`/onboarding/${ids.at(-1)}`);

    // The same client now starts with one request, and an older token still opens.
    sent.length = 0;
    ok(await c.start());
    expect(sent.map((request) => request.key)).toEqual([null]);
    const older = c.resume(ids[1] ?? "");
    expect(ok(await older.get()).data).toEqual({ "personal-info": personalInfo });
  });

  it("a write that changes nothing keeps the token", async () => {
    const { client } = serve({ tokens: true });
    const flow = ok(await client.start());
    ok(await flow.submit("personal-info", personalInfo));
    const id = flow.id;
    ok(await flow.submit("personal-info", personalInfo));
    expect(flow.id).toBe(id);
  });
});

describe("client: retries", () => {
  it("hands back a 429 as it is, with the wait its Retry-After asks for", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      rateLimit: { limit: 2, windowMs: 60_000, key: () => "one-client" },
    });
    const client = createClient<Onboarding>({
      baseUrl: "http://waymark.test",
      flow: "onboarding",
      fetch: (request: Request) => waymark.fetch(request),
    });
    expect((await client.describe()).ok).toBe(true);
    expect((await client.describe()).ok).toBe(true);
    const limited = await client.describe();
    expect(limited).toMatchObject({
      ok: false,
      problem: { status: 429, type: "urn:waymark:problem:rate-limited" },
    });
    const waitMs = limited.ok ? 0 : (limited.retryAfterMs ?? 0);
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(60_000);
  });

  it("retries a start whose answer was lost, with the same key, and gets the same flow", async () => {
    let created: string | undefined;
    const { client, sent } = serve({
      intercept: async (request, forward) => {
        const response = await forward();
        if (request.method === "POST" && created === undefined) {
          // The flow is created, but its answer never reaches the client.
          created = ((await response.json()) as { flowId: string }).flowId;
          throw new TypeError("fetch failed");
        }
        return response;
      },
    });
    const flow = ok(await client.start());
    expect(created).toEqual(expect.any(String));
    expect(flow.id).toBe(created);
    const [first, second] = sent;
    expect(sent).toHaveLength(2);
    expect(first?.key).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second?.key).toBe(first?.key);
  });

  it("retries 503 and 409 idempotency-key-in-flight, honouring Retry-After, a bounded number of times", async () => {
    const faults = [problem503("0"), inFlight()];
    const { client, sent } = serve({
      intercept: async (_request, forward) => faults.shift() ?? forward(),
    });
    const started = performance.now();
    const flow = ok(await client.start());
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((request) => request.key)).size).toBe(1);
    // The in-flight answer asked for one second.
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(flow.latest?.version).toBe(1);

    const { clientWith: failing, sent: attempts } = serve({
      intercept: async () => problem503("0"),
    });
    expect(await failing({ retry: { attempts: 4, baseDelayMs: 1 } }).start()).toMatchObject({
      ok: false,
      problem: { status: 503, type: "urn:waymark:problem:store-unavailable" },
    });
    expect(attempts).toHaveLength(4);

    function inFlight(): Response {
      return new Response(
        JSON.stringify({
          type: "urn:waymark:problem:idempotency-key-in-flight",
          title: "In flight",
          status: 409,
          detail: "Retry shortly",
        }),
        {
          status: 409,
          headers: { "content-type": "application/problem+json", "retry-after": "1" },
        },
      );
    }
  });

  it("does not retry early when Retry-After asks for longer than maxDelayMs", async () => {
    const { client, sent } = serve({ intercept: async () => problem503("120") });
    const result = await client.start();
    expect(result).toMatchObject({ ok: false, problem: { status: 503 } });
    expect(sent).toHaveLength(1);
  });

  it("never retries a start without a key, nor a step write", async () => {
    let failing = true;
    const { client, sent } = serve({
      intercept: async (request, forward) => {
        if (failing && request.method !== "GET") throw new TypeError("fetch failed");
        return forward();
      },
    });
    const c = client;
    expect(await c.start({ idempotencyKey: false })).toMatchObject({
      ok: false,
      problem: { status: 0 },
    });
    expect(sent).toHaveLength(1);
    failing = false;
    const flow = ok(await c.start({ idempotencyKey: false }));
    expect(sent.at(-1)?.key).toBeNull();
    failing = true;
    sent.length = 0;
    expect(await flow.submit("personal-info", personalInfo)).toMatchObject({
      ok: false,
      problem: { status: 0, type: clientProblemTypes.unreachable },
    });
    expect(sent).toHaveLength(1);
  });

  it("retries reads on a network failure", async () => {
    let failures = 2;
    const { client, sent } = serve({
      intercept: async (request, forward) => {
        if (request.method === "GET" && failures-- > 0) throw new TypeError("fetch failed");
        return forward();
      },
    });
    const flow = ok(await client.start());
    ok(await flow.get());
    expect(sent.map((request) => request.method)).toEqual(["POST", "GET", "GET", "GET"]);
  });
});

describe("client: addresses and failures", () => {
  it("under a basePath, over a real port: every request carries the prefix", async () => {
    const waymark: Waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      basePath: "/api",
    });
    const url = await listen(toNodeListener(waymark));
    for (const baseUrl of [`${url}/api`, `${url}/api/`, new URL(`${url}/api`)]) {
      const client = createClient<Onboarding>({ baseUrl, flow: "onboarding" });
      const description = ok(await client.describe());
      expect(description.links.start.href).toBe("/api/onboarding");
      const flow = ok(await client.start());
      expect(flow.latest?.links.self.href).toBe(`/api/onboarding/${flow.id}`);
      ok(await flow.submit("personal-info", personalInfo));
      const read = ok(await flow.get());
      expect(read.currentStep?.href).toBe(`/api/onboarding/${flow.id}/step/2`);
      expect(ok(await flow.step(1)).data).toEqual(personalInfo);
    }
    const without = createClient({ baseUrl: url, flow: "onboarding" });
    expect(await without.describe()).toMatchObject({ ok: false, problem: { status: 404 } });
  });

  it("answers status 0 when the server cannot be reached", async () => {
    const port = await freePort();
    const client = createClient<Onboarding>({
      baseUrl: `http://127.0.0.1:${port}`,
      flow: "onboarding",
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const started = await client.start();
    expect(started).toMatchObject({
      ok: false,
      problem: {
        status: 0,
        type: clientProblemTypes.unreachable,
        title: "The server could not be reached",
      },
    });
    const flow = client.resume("3f0c");
    expect(await flow.submit("review", { acceptTerms: true })).toMatchObject({
      ok: false,
      problem: { status: 0 },
    });
  });

  it("answers status 0 when no answer comes in time, even from a fetch that ignores the signal", async () => {
    const url = await listen(() => {
      // Takes the request and never answers.
    });
    const slow = createClient({ baseUrl: url, flow: "onboarding", timeoutMs: 150, retry: false });
    const started = performance.now();
    expect(await slow.describe()).toMatchObject({
      ok: false,
      problem: {
        status: 0,
        type: clientProblemTypes.timeout,
        title: "The server did not answer in time",
      },
    });
    expect(performance.now() - started).toBeLessThan(2_000);

    const deaf = createClient({
      baseUrl: "http://waymark.test",
      flow: "onboarding",
      timeoutMs: 100,
      retry: false,
      fetch: () => new Promise<Response>(() => {}),
    });
    expect(await deaf.describe()).toMatchObject({
      ok: false,
      problem: { status: 0, type: clientProblemTypes.timeout },
    });
  });

  it("turns an answer that is not problem+json into a problem from its status line", async () => {
    const url = await listen((_request, response) => {
      response.writeHead(502, "Bad Gateway", { "content-type": "text/html" });
      response.end("<h1>502</h1>");
    });
    const client = createClient({ baseUrl: url, flow: "onboarding", retry: false });
    expect(await client.describe()).toEqual({
      ok: false,
      problem: { type: "about:blank", title: "Bad Gateway", status: 502, detail: "Bad Gateway" },
    });
  });

  it("reads a problem document without a type as about:blank, keeping its members", async () => {
    const client = createClient({
      baseUrl: "http://waymark.test",
      flow: "onboarding",
      retry: false,
      fetch: async () =>
        new Response(JSON.stringify({ title: "Closed", detail: "Come back at nine", shift: 2 }), {
          status: 403,
          headers: { "content-type": "application/problem+json" },
        }),
    });
    expect(await client.describe()).toEqual({
      ok: false,
      problem: {
        type: "about:blank",
        title: "Closed",
        status: 403,
        detail: "Come back at nine",
        shift: 2,
      },
    });
  });
});

describe("client: access modes", () => {
  it("keeps a secret flow's flowSecret and sends it as a bearer token, over any Authorization given", async () => {
    const { sent, fetch } = serve({ flows: [vault] });
    const client = createClient<typeof vault>({
      baseUrl: "http://waymark.test",
      flow: "vault",
      fetch,
      headers: { authorization: "Bearer app-session" },
    });
    expect(ok(await client.describe()).access).toBe("secret");
    const flow = ok(await client.start());
    expect(flow.secret).toMatch(/^[\w-]{43}$/);
    expect(sent.at(-1)?.authorization).toBe("Bearer app-session");
    ok(await flow.get());
    expect(sent.at(-1)?.authorization).toBe(`Bearer ${flow.secret}`);

    // After a reload: without the secret the flow answers as unknown; with it, it opens.
    expect(await client.resume(flow.id).get()).toMatchObject({
      ok: false,
      problem: { status: 404, type: "urn:waymark:problem:flow-not-found" },
    });
    const again = client.resume(flow.id, { secret: flow.secret });
    ok(await again.submit("nickname", { nickname: "ada" }));
    expect(sent.at(-1)?.authorization).toBe(`Bearer ${flow.secret}`);
    ok(await again.submit("consent", { consent: true }));
    expect(again.latest?.status).toBe("completed");
    expect((await again.erase()).ok).toBe(true);
  });

  it("a secret flow's start retried after a lost answer keeps the new secret it answers", async () => {
    let lost: { flowId: string; flowSecret: string } | undefined;
    const { sent, fetch } = serve({
      flows: [vault],
      intercept: async (request, forward) => {
        const response = await forward();
        if (request.method === "POST" && lost === undefined) {
          lost = (await response.json()) as { flowId: string; flowSecret: string };
          throw new TypeError("fetch failed");
        }
        return response;
      },
    });
    const client = createClient<typeof vault>({
      baseUrl: "http://waymark.test",
      flow: "vault",
      fetch,
    });
    const flow = ok(await client.start());
    expect(sent).toHaveLength(2);
    expect(flow.id).toBe(lost?.flowId);
    expect(flow.secret).not.toBe(lost?.flowSecret);
    ok(await flow.submit("nickname", { nickname: "ada" }));
    const first = client.resume(flow.id, { secret: lost?.flowSecret });
    expect(await first.get()).toMatchObject({ ok: false, problem: { status: 404 } });
  });

  it("a secret flow in token mode: the secret travels with each new token", async () => {
    const { fetch } = serve({ flows: [vault], tokens: true });
    const client = createClient<typeof vault>({
      baseUrl: "http://waymark.test",
      flow: "vault",
      fetch,
    });
    const flow = ok(await client.start());
    const first = flow.id;
    ok(await flow.submit("nickname", { nickname: "ada" }));
    expect(flow.id).not.toBe(first);
    expect(await client.resume(flow.id).get()).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
    expect(ok(await client.resume(flow.id, { secret: flow.secret }).get()).data).toEqual({
      nickname: { nickname: "ada" },
    });
  });

  it("an authorize flow: the host app's credentials travel in the headers option", async () => {
    const { sent, fetch } = serve({ flows: [ledger] });
    const as = (user: string) =>
      createClient<typeof ledger>({
        baseUrl: "http://waymark.test",
        flow: "ledger",
        fetch,
        headers: () => ({ "x-user": user }),
        credentials: "include",
      });
    const flow = ok(await as("ada").start());
    ok(await flow.submit("nickname", { nickname: "ada" }));
    expect(sent.at(-1)).toMatchObject({ user: "ada", credentials: "include" });
    expect(await as("grace").resume(flow.id).get()).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
    expect(ok(await as("ada").resume(flow.id).get()).data).toEqual({
      nickname: { nickname: "ada" },
    });
  });
});
