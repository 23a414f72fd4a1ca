import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { createWaymark, type FlowStore, type WaymarkHandler } from "waymark";
import { continueListener, type NodeListener, toNodeListener } from "waymark/node";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import type { FlowView, Problem } from "./support/http-client.ts";
import { employeeContract, personalInfo, review } from "./support/onboarding-data.ts";
import { parseResponses, rawExchange } from "./support/raw-http.ts";

const basePath = "/api";
const directory = mkdtempSync(join(tmpdir(), "waymark-adapters-"));
const store: FlowStore = createSqliteStore({ path: join(directory, "flows.db") });
const waymark = createWaymark({ flows: [onboarding], store, basePath });

afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A framework listening on 127.0.0.1 with the listener mounted. */
interface Mounted {
  origin: string;
  close(): Promise<void>;
}

/** A response read whole over a node:http agent, and whether its socket was reused. */
interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  reusedSocket: boolean;
}

const stepData: Record<string, unknown> = {
  "personal-info": personalInfo,
  "contract-details": employeeContract,
  review,
};

/** Far over the 64 KiB limit, within what is drained, and under express.json()'s 100 KB. */
const oversized = JSON.stringify({ ...personalInfo, firstName: "x".repeat(80_000) });

async function listen(server: Server): Promise<Mounted> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function send(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () =>
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          text: Buffer.concat(chunks).toString("utf8"),
          reusedSocket: outgoing.reusedSocket,
        }),
      );
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json\b/);
  const problem = JSON.parse(text) as Problem;
  expect(problem.type).toBe(`urn:waymark:problem:${code}`);
  return problem;
}

function putJson(url: URL, body: string, etag: string): Promise<Response> {
  return fetch(url, {
    method: "PUT",
    headers: { "content-type": "application/json", "if-match": etag },
    body,
  });
}

/**
 * Walks the onboarding flow to completion through a mounted listener, following only the
 * `Location` and `href`s it answers with; checks 422, 412 and 413 on the way.
 */
async function walkThrough(origin: string): Promise<void> {
  const created = await fetch(`${origin}${basePath}/onboarding`, { method: "POST" });
  expect(created.status, await created.clone().text()).toBe(201);
  const location = new URL(created.headers.get("location") ?? "", origin);
  expect(location.pathname).toMatch(/^\/api\/onboarding\/[^/]+$/);
  const firstEtag = created.headers.get("etag") ?? "";
  let flow = (await created.json()) as FlowView;
  let etag = firstEtag;

  for (let writes = 0; flow.currentStep; writes++) {
    expect(writes).toBeLessThan(4);
    const step = new URL(flow.currentStep.href, origin);
    expect(step.pathname.startsWith(`${basePath}/`)).toBe(true);

    if (flow.currentStep.name === "personal-info") {
      const invalid = await putJson(step, JSON.stringify({ ...personalInfo, email: "x" }), etag);
      const problem = await expectProblem(invalid, 422, "invalid-step-data");
      expect(problem.errors?.map((error) => error.path)).toEqual(["/email"]);
    }
    if (flow.currentStep.name === "contract-details") {
      const data = JSON.stringify(stepData["contract-details"]);
      await expectProblem(await putJson(step, data, firstEtag), 412, "precondition-failed");
    }

    const written = await putJson(step, JSON.stringify(stepData[flow.currentStep.name]), etag);
    expect(written.status, await written.clone().text()).toBe(200);
    etag = written.headers.get("etag") ?? "";
    flow = (await written.json()) as FlowView;
  }

  expect(flow.status).toBe("completed");
  const read = await fetch(location);
  expect(read.status).toBe(200);
  expect(read.headers.get("etag")).toBe(etag);
  const completed = (await read.json()) as FlowView;
  expect(completed.status).toBe("completed");
  for (const step of completed.steps) expect(step.href.startsWith(`${basePath}/`)).toBe(true);
}

/** The 413 answers a keep-alive client, which then reuses the same connection. */
async function oversizedOnKeepAlive(origin: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const created = await send(agent, new URL(`${origin}${basePath}/onboarding`), "POST");
    expect(created.status, created.text).toBe(201);
    const flow = JSON.parse(created.text) as FlowView;
    const step = new URL(flow.currentStep?.href ?? "", origin);

    const tooLarge = await send(
      agent,
      step,
      "PUT",
      { "content-type": "application/json", "content-length": String(oversized.length) },
      oversized,
    );
    expect(tooLarge.status, tooLarge.text).toBe(413);
    expect(tooLarge.headers["content-type"]).toMatch(/^application\/problem\+json\b/);
    expect(JSON.parse(tooLarge.text)).toMatchObject({ type: "urn:waymark:problem:body-too-large" });

    const after = await send(agent, new URL(String(created.headers.location), origin), "GET");
    expect(after.status).toBe(200);
    expect(after.reusedSocket).toBe(true);
    expect((JSON.parse(after.text) as FlowView).version).toBe(1);
  } finally {
    agent.destroy();
  }
}

/** Registers the walkthrough, the 413 and the 404 outside the mount for one setup. */
function mountedTests(
  start: (listener: NodeListener) => Promise<Mounted>,
  outside: "problem" | "framework",
): void {
  let mounted: Mounted | undefined;
  const origin = async () => {
    mounted ??= await start(toNodeListener(waymark));
    return mounted.origin;
  };
  afterAll(() => mounted?.close());

  it("walks the flow to completion by following Location and hrefs, with 422 and 412", async () => {
    await walkThrough(await origin());
  });

  it("answers an oversized body with 413 and keeps the connection usable", async () => {
    await oversizedOnKeepAlive(await origin());
  });

  it("answers 404 outside the mount", async () => {
    const response = await fetch(`${await origin()}/elsewhere/onboarding`, { method: "POST" });
    if (outside === "problem") await expectProblem(response, 404, "route-not-found");
    else expect(response.status).toBe(404);
  });
}

describe("toNodeListener in node:http", () => {
  mountedTests((listener) => listen(createServer(listener)), "problem");
});

describe("toNodeListener in Express 5", () => {
  /** An Express app with routes of its own before and after the listener. */
  function expressApp(listener: NodeListener, options: { path: boolean; json: boolean }) {
    const app = express();
    if (options.json) app.use(express.json());
    app.get("/own", (_req, res) => {
      res.json({ own: true });
    });
    if (options.path) app.use(basePath, listener);
    else app.use(listener);
    app.get("/after", (_req, res) => {
      res.json({ after: true });
    });
    return listen(createServer(app));
  }

  for (const path of [false, true]) {
    for (const json of [false, true]) {
      const mount = path ? `app.use("${basePath}", listener)` : "app.use(listener)";
      describe(`${mount}${json ? " after express.json()" : ""}`, () => {
        // Outside basePath the listener calls next(): Express answers its own 404.
        mountedTests((listener) => expressApp(listener, { path, json }), "framework");

        it("leaves the app's own routes to the app", async () => {
          const mounted = await expressApp(toNodeListener(waymark), { path, json });
          try {
            const response = await fetch(`${mounted.origin}/own`);
            expect(await response.json()).toEqual({ own: true });
            // Registered after the listener: reached through next().
            const after = await fetch(`${mounted.origin}/after`);
            expect(await after.json()).toEqual({ after: true });
          } finally {
            await mounted.close();
          }
        });
      });
    }
  }

  // Regression: the listener rewrote req.url before passing a request on, so a route
  // after it inside a mounted router saw the path twice (/v1/v1/other).
  it("inside a mounted router, passes other paths on to the router's later routes", async () => {
    const router = express.Router();
    router.use(
      toNodeListener(createWaymark({ flows: [onboarding], store, basePath: "/v1/flows" })),
    );
    router.get("/other", (_req, res) => {
      res.json({ other: true });
    });
    const app = express();
    app.use("/v1", router);
    const mounted = await listen(createServer(app));
    try {
      expect(await (await fetch(`${mounted.origin}/v1/other`)).json()).toEqual({ other: true });
      const created = await fetch(`${mounted.origin}/v1/flows/onboarding`, { method: "POST" });
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toMatch(/^\/v1\/flows\/onboarding\//);
    } finally {
      await mounted.close();
    }
  });

  // A JSON string body parsed by express.json({ strict: false }) is a JSON string, not the
  // raw text of an object: it must reach the step as a string, and be refused.
  it("after express.json({ strict: false }), a JSON string body is data that is not an object", async () => {
    const app = express();
    app.use(express.json({ strict: false }));
    app.use(basePath, toNodeListener(waymark));
    const mounted = await listen(createServer(app));
    try {
      const created = await fetch(`${mounted.origin}${basePath}/onboarding`, { method: "POST" });
      const location = created.headers.get("location") ?? "";
      const response = await fetch(`${mounted.origin}${location}/step/1`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(JSON.stringify(personalInfo)),
      });
      const problem = await expectProblem(response, 422, "invalid-step-data");
      expect(problem.errors).toEqual([
        {
          path: "",
          code: "invalid_type",
          params: { expected: "object" },
          message: "Expected a JSON object",
        },
      ]);
    } finally {
      await mounted.close();
    }
  });
});

describe("toNodeListener in Fastify 5", () => {
  async function listenFastify(route: (app: FastifyInstance) => void): Promise<Mounted> {
    const app = Fastify();
    route(app);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, close: () => app.close() };
  }

  describe("in an onRequest hook, before Fastify parses the body", () => {
    mountedTests(
      (listener) =>
        listenFastify((app) => {
          app.all(
            `${basePath}/*`,
            {
              onRequest(request, reply, done) {
                reply.hijack();
                listener(request.raw, reply.raw);
                done();
              },
            },
            () => {},
          );
        }),
      "framework",
    );
  });

  describe("in a handler, after Fastify parsed the body", () => {
    mountedTests(
      (listener) =>
        listenFastify((app) => {
          app.all(`${basePath}/*`, (request, reply) => {
            reply.hijack();
            listener(Object.assign(request.raw, { body: request.body }), reply.raw);
          });
        }),
      "framework",
    );
  });
});

describe("toNodeListener's own answers", () => {
  /** Serves a stand-in handler on node:http; each request goes through `before` first. */
  async function serveWith(
    fake: WaymarkHandler,
    before: (req: Parameters<NodeListener>[0], go: () => void) => void = (_req, go) => go(),
  ) {
    const listener = toNodeListener(fake);
    return listen(createServer((req, res) => before(req, () => listener(req, res))));
  }

  it("turns a rejected or thrown handler error into a 500 problem on a usable connection", async () => {
    const rejecting = await serveWith({
      basePath: "",
      maxBodyBytes: 65_536,
      fetch: () => Promise.reject(new Error("secret")),
    });
    const throwing = await serveWith({
      basePath: "",
      maxBodyBytes: 65_536,
      fetch: () => {
        throw new Error("secret");
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const { origin } of [rejecting, throwing]) {
        for (const attempt of [1, 2]) {
          const response = await send(agent, new URL(`${origin}/x`), "GET");
          expect(response.status).toBe(500);
          expect(response.headers["content-type"]).toMatch(/^application\/problem\+json\b/);
          expect(JSON.parse(response.text)).toMatchObject({
            type: "urn:waymark:problem:internal-error",
          });
          expect(response.text).not.toContain("secret");
          expect(response.reusedSocket).toBe(attempt === 2);
        }
      }
    } finally {
      agent.destroy();
      await rejecting.close();
      await throwing.close();
    }
  });

  it("answers 500 rather than an empty body when the body was read and not kept", async () => {
    const seen: string[] = [];
    const mounted = await serveWith(
      {
        basePath: "",
        maxBodyBytes: 65_536,
        fetch: async (request) => {
          seen.push(await request.text());
          return new Response(null, { status: 204 });
        },
      },
      (req, go) => {
        req.resume();
        req.on("end", go);
      },
    );
    try {
      const response = await fetch(`${mounted.origin}${basePath}/onboarding/x/step/1`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(personalInfo),
      });
      await expectProblem(response, 500, "internal-error");
      expect(seen).toEqual([]);
    } finally {
      await mounted.close();
    }
  });

  it("answers a request with a malformed Host header with a 400 problem", async () => {
    const mounted = await serveWith({
      basePath: "",
      maxBodyBytes: 65_536,
      fetch: () => Promise.resolve(new Response("reached")),
    });
    try {
      const response = await send(new Agent(), new URL(`${mounted.origin}/x`), "GET", {
        host: "bad host",
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toMatchObject({ type: "urn:waymark:problem:bad-request" });
    } finally {
      await mounted.close();
    }
  });
});

describe("toNodeListener's header limits and continueListener", () => {
  const fields = (count: number, line = (i: number) => `x-${i}: 1`) =>
    Array.from({ length: count }, (_, i) => `${line(i)}\r\n`).join("");
  const get = (path: string, more: string) =>
    `GET ${path} HTTP/1.1\r\nHost: x\r\n${more}Connection: close\r\n\r\n`;

  function problemOf(text: string) {
    const [response, ...rest] = parseResponses(text);
    expect(rest).toEqual([]);
    expect(response?.headers["content-type"]).toBe("application/problem+json");
    expect(response?.headers.connection).toBe("close");
    const problem = JSON.parse(response?.body ?? "") as Problem;
    expect(problem.status).toBe(response?.status);
    return problem;
  }

  it("answers 431 problem+json to too many header fields, empty ones included, on node:http", async () => {
    const mounted = await listen(createServer(toNodeListener(waymark)));
    try {
      const empty = await rawExchange(
        mounted.origin,
        get(
          "/api/healthz",
          fields(10_000, () => "a:"),
        ),
      );
      expect(problemOf(empty.text)).toMatchObject({
        status: 431,
        type: "urn:waymark:problem:headers-too-large",
        detail: "The request has more than 100 header fields",
      });
      // Host, 98 more and Connection: 100 fields.
      const within = await rawExchange(mounted.origin, get("/api/healthz", fields(98)));
      expect(parseResponses(within.text)[0]?.status).toBe(200);
      const over = await rawExchange(mounted.origin, get("/api/healthz", fields(99)));
      expect(problemOf(over.text).status).toBe(431);
    } finally {
      await mounted.close();
    }
  });

  it("takes its own limits, and leaves an Express app's other routes alone", async () => {
    const app = express();
    app.use("/api", toNodeListener(waymark, { maxHeaderCount: 5, maxHeaderBytes: 200 }));
    app.get("/other", (_req, res) => {
      res.send("other");
    });
    const mounted = await listen(createServer(app));
    try {
      const count = await rawExchange(mounted.origin, get("/api/healthz", fields(4)));
      expect(problemOf(count.text).detail).toBe("The request has more than 5 header fields");
      const size = await rawExchange(
        mounted.origin,
        get("/api/healthz", `x-pad: ${"p".repeat(150)}\r\n`),
      );
      expect(problemOf(size.text).detail).toBe(
        "The request line and headers exceed the limit of 200 bytes",
      );
      const within = await rawExchange(mounted.origin, get("/api/healthz", fields(3)));
      expect(parseResponses(within.text)[0]?.status).toBe(200);
      const other = await rawExchange(mounted.origin, get("/other", fields(20)));
      expect(parseResponses(other.text)[0]).toMatchObject({ status: 200, body: "other" });
    } finally {
      await mounted.close();
    }
  });

  it("refuses a declared body over maxBodyBytes before its upload, once registered for checkContinue", async () => {
    const listener = toNodeListener(waymark);
    const server = createServer(listener);
    server.on("checkContinue", continueListener(waymark, listener));
    const mounted = await listen(server);
    const put = (path: string, length: number) =>
      `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`;
    try {
      const created = await fetch(`${mounted.origin}/api/onboarding`, { method: "POST" });
      const { flowId } = (await created.json()) as FlowView;
      const step = `/api/onboarding/${flowId}/step/1`;

      const refused = await rawExchange(mounted.origin, put(step, 10_000_000));
      expect(refused.text).not.toContain("100 Continue");
      expect(problemOf(refused.text)).toMatchObject({ status: 413, maxBytes: 65_536 });
      expect(refused.closedAfterMs).toBeDefined();

      const body = JSON.stringify(personalInfo);
      let sent = false;
      const accepted = await rawExchange(mounted.origin, put(step, body.length), {
        onData: (socket, text) => {
          const answered = parseResponses(text).length;
          if (answered === 1 && !sent) {
            sent = true;
            socket.write(body);
          }
          if (answered === 2) socket.end();
        },
      });
      expect(parseResponses(accepted.text).map((response) => response.status)).toEqual([100, 200]);

      // Outside basePath the body is not Waymark's to refuse.
      const outside = await rawExchange(mounted.origin, put("/elsewhere", 10_000_000), {
        onData: (socket) => socket.end(),
      });
      expect(parseResponses(outside.text)[0]?.status).toBe(100);
    } finally {
      await mounted.close();
    }
  });
});
