import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteStore } from "../src/store/sqlite.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  jsonRequest,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";
import { killAll, runCli, type ServerProcess, startServer } from "./support/processes.ts";
import { sampleRecord } from "./support/records.ts";

let dir: string;
let store: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "waymark-process-"));
  store = `sqlite:${join(dir, "flows.db")}`;
});
afterEach(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killAll);

async function create(server: ServerProcess): Promise<{ flowId: string; etag: string }> {
  const response = await fetch(`${server.url}/onboarding`, { method: "POST" });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { flowId: string };
  return { flowId: body.flowId, etag: response.headers.get("etag") ?? "" };
}

async function put(
  server: ServerProcess,
  flowId: string,
  step: string,
  data: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(
    `${server.url}/onboarding/${flowId}/step/${step}`,
    jsonRequest("PUT", data, headers),
  );
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    body: await response.json(),
  };
}

async function getFlow(server: ServerProcess, flowId: string) {
  const response = await fetch(`${server.url}/onboarding/${flowId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("real processes on one SQLite file", () => {
  it("finishes a flow on a new process after the first is killed with SIGKILL", async () => {
    const first = await startServer({ store });
    const { flowId } = await create(first);
    expect((await put(first, flowId, "1", personalInfo)).status).toBe(200);
    expect((await put(first, flowId, "2", contractorContract)).status).toBe(200);
    await first.stop("SIGKILL");

    const second = await startServer({ store });
    const resumed = await getFlow(second, flowId);
    expect(resumed.status).toBe(200);
    expect(resumed.body.version).toBe(3);
    expect(resumed.body.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": contractorContract,
    });
    expect((resumed.body.currentStep as { name: string }).name).toBe("company-details");
    expect((await put(second, flowId, "company-details", companyDetails)).status).toBe(200);
    const done = await put(second, flowId, "review", review);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("completed");
  });

  it("serves one flow from two processes, alternating request by request", async () => {
    const servers = [await startServer({ store }), await startServer({ store })] as const;
    const { flowId } = await create(servers[0]);
    const steps: Array<[string, unknown]> = [
      ["1", personalInfo],
      ["2", employeeContract],
      ["review", review],
    ];
    for (const [index, [step, data]] of steps.entries()) {
      const server = servers[(index + 1) % 2] as ServerProcess;
      const result = await put(server, flowId, step, data);
      expect(result.status).toBe(200);
      expect(result.body.version).toBe(index + 2);
    }
    const final = await getFlow(servers[0], flowId);
    expect(final.body.status).toBe("completed");
    expect((final.body.steps as Array<{ status: string }>).map((step) => step.status)).toEqual([
      "done",
      "done",
      "skipped",
      "done",
    ]);
  });

  it("lets exactly one of 50 concurrent writers holding one ETag win, across two processes", async () => {
    const servers = [await startServer({ store }), await startServer({ store })] as const;
    const { flowId, etag } = await create(servers[0]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        put(
          servers[index % 2] as ServerProcess,
          flowId,
          "1",
          { ...personalInfo, firstName: `Writer ${index}` },
          { "if-match": etag },
        ),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(49);
    const winner = results.find((result) => result.status === 200);
    const final = await getFlow(servers[1], flowId);
    expect(final.body.version).toBe(2);
    expect(final.body.data).toEqual(winner?.body.data);
  });

  it("replays a create retried with its Idempotency-Key on another process", async () => {
    const servers = [await startServer({ store }), await startServer({ store })] as const;
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await fetch(`${servers[0].url}/onboarding`, { method: "POST", headers });
    await servers[0].stop("SIGKILL");
    const retry = await fetch(`${servers[1].url}/onboarding`, { method: "POST", headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await first.text());
  });

  it("loses no acknowledged write among concurrent writers without If-Match", async () => {
    const servers = [await startServer({ store }), await startServer({ store })] as const;
    const { flowId } = await create(servers[0]);
    const writers = 30;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        put(servers[index % 2] as ServerProcess, flowId, "1", {
          ...personalInfo,
          firstName: `Writer ${index}`,
        }),
      ),
    );
    // Each write changed the data, so each acknowledged write owns one version.
    const acknowledged = results.filter((result) => result.status === 200);
    const versions = acknowledged.map((result) => result.body.version as number);
    expect(new Set(versions).size).toBe(acknowledged.length);
    expect(results.every((result) => result.status === 200 || result.status === 409)).toBe(true);
    const final = await getFlow(servers[0], flowId);
    expect(final.body.version).toBe(1 + acknowledged.length);
    expect(acknowledged.length).toBeGreaterThanOrEqual(writers - 5);
  });
});

describe("a real process", () => {
  it("serves the web wizard at / unless started with --no-wizard", async () => {
    const withWizard = await startServer({ store });
    const page = await fetch(withWizard.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<meta name="waymark-flow" content="onboarding">');
    expect((await fetch(`${withWizard.url}/wizard/assets/wizard.js`)).status).toBe(200);
    await withWizard.stop();

    const apiOnly = await startServer({ store, args: ["--no-wizard"] });
    expect((await fetch(apiOnly.url)).status).toBe(404);
    expect((await fetch(`${apiOnly.url}/wizard/assets/wizard.js`)).status).toBe(404);
    await apiOnly.stop();
  });

  it("takes its port and store from PORT and WAYMARK_STORE", async () => {
    const server = await startServer({ env: { WAYMARK_STORE: store } });
    const { flowId } = await create(server);
    await server.stop();
    const inspected = await runCli(["inspect", flowId], { WAYMARK_STORE: store });
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ id: flowId, version: 1 });
  });

  /**
   * Sends a step write's headers and half its body, so that the request is in flight when
   * SIGTERM lands; then sends the rest. Resolves the exit code and the raw reply.
   */
  async function stopMidRequest(server: ServerProcess, flowId: string) {
    const body = JSON.stringify(personalInfo);
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk;
    });
    socket.write(
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = server.stop("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(body.slice(10));
    const code = await exited;
    await new Promise((resolve) =>
      socket.closed ? resolve(undefined) : socket.once("close", resolve),
    );
    return { code, reply };
  }

  it("drains an in-flight request on SIGTERM, then exits 0", async () => {
    const server = await startServer({ store });
    const { flowId } = await create(server);
    const { code, reply } = await stopMidRequest(server, flowId);
    expect(code).toBe(0);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);

    const again = await startServer({ store });
    expect((await getFlow(again, flowId)).body.version).toBe(2);
  });

  // Regression: npm ran the server under a shell that SIGTERM killed, leaving the server
  // serving as an orphan, so a rolling restart never drained anything.
  it("stops the whole server when `npm start` gets SIGTERM, draining what is in flight", async () => {
    const server = await startServer({ store, npmStart: true });
    const { flowId } = await create(server);
    // The signal goes to the process npm is, the one a process manager started.
    const { code, reply } = await stopMidRequest(server, flowId);
    expect(code).toBe(0);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    // Nothing is left listening on the port.
    const refused = await fetch(`${server.url}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
  });

  it("answers an upload cut off by the client with a 400, logged as a request, not an error", async () => {
    const server = await startServer({ store });
    const { flowId } = await create(server);
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"firstName":`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    expect((await getFlow(server, flowId)).body.version).toBe(1);
    await server.stop();
    const lines = server
      .output()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; method?: string; status?: number });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.find((line) => line.method === "PUT")?.status).toBe(400);
  });

  it("answers 413 on a keep-alive connection and serves the next request on it", async () => {
    const server = await startServer({ store });
    const { flowId } = await create(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, body?: string) =>
      new Promise<{ status: number; reused: boolean; text: string }>((resolve, reject) => {
        const request = httpRequest(
          `${server.url}/onboarding/${flowId}${body === undefined ? "" : "/step/1"}`,
          {
            method,
            agent,
            headers: body === undefined ? {} : { "content-type": "application/json" },
          },
          (response) => {
            let text = "";
            response.on("data", (chunk) => {
              text += chunk;
            });
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket, text }),
            );
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    try {
      const tooLarge = await send("PUT", JSON.stringify({ firstName: "x".repeat(200_000) }));
      expect(tooLarge.status).toBe(413);
      expect(JSON.parse(tooLarge.text).type).toBe("urn:waymark:problem:body-too-large");
      const next = await send("GET");
      expect(next.status).toBe(200);
      expect(next.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("answers 431 problem+json to headers over Node's limit", async () => {
    const server = await startServer({ store });
    const response = await new Promise<string>((resolve) => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
      });
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("close", () => resolve(text));
    });
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toContain("application/problem+json");
    expect(response).toContain("urn:waymark:problem:headers-too-large");
  });

  it("logs one line per request and never the step data or the flow id", async () => {
    const server = await startServer({ store });
    const { flowId } = await create(server);
    expect((await put(server, flowId, "1", personalInfo)).status).toBe(200);
    expect((await put(server, flowId, "1", { ...personalInfo, email: "bad" })).status).toBe(422);
    await server.stop();
    const lines = server
      .output()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === "request");
    expect(requests.map((line) => [line.method, line.route, line.status])).toEqual([
      ["GET", "/healthz", 200],
      ["POST", "/:flow", 201],
      ["PUT", "/:flow/:id/step/:step", 200],
      ["PUT", "/:flow/:id/step/:step", 422],
    ]);
    const output = server.output();
    for (const secret of [flowId, personalInfo.email, personalInfo.lastName, "1990-12-10"]) {
      expect(output).not.toContain(secret);
    }
  });

  it("inspects flows and purges expired ones from the command line", async () => {
    const server = await startServer({ store });
    const { flowId } = await create(server);
    await server.stop();
    // An already-expired record, written straight into the same database file.
    const direct = createSqliteStore({ path: store.slice("sqlite:".length) });
    const expired = sampleRecord({ expiresAt: Date.now() - 1_000 });
    await direct.create(expired);
    await direct.close();

    const purged = await runCli(["purge", "--store", store]);
    expect(purged).toMatchObject({ code: 0, stdout: "purged 1 expired flow\n" });
    expect((await runCli(["inspect", expired.id, "--store", store])).code).toBe(1);
    const live = await runCli(["inspect", flowId, "--store", store]);
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout)).toMatchObject({ id: flowId, flow: "onboarding" });
  });

  it("does not create a database when inspecting a file that is not there", async () => {
    const missing = join(dir, "typo.db");
    const result = await runCli(["inspect", crypto.randomUUID(), "--store", `sqlite:${missing}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no SQLite database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it("answers 428 to a step write without If-Match when started with --require-if-match", async () => {
    const server = await startServer({ store, args: ["--require-if-match"] });
    const { flowId, etag } = await create(server);
    expect((await put(server, flowId, "1", personalInfo)).status).toBe(428);
    expect((await put(server, flowId, "1", personalInfo, { "if-match": etag })).status).toBe(200);
  });

  it("refuses to start on a flow with a reserved name, naming the file", async () => {
    const file = "test/fixtures/reserved-name-flow.ts";
    const result = await runCli(["serve", "--flows", file, "--store", store, "--port", "0"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot serve flows from ${file}`);
    expect(result.stderr).toContain('flow "healthz": the name is reserved');
  });

  it("refuses to start on a broken flow file, naming the file and the step", async () => {
    const file = "test/fixtures/duplicate-step-flow.ts";
    const result = await runCli(["serve", "--flows", file, "--store", store, "--port", "0"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("duplicate-step-flow.ts");
    expect(result.stderr).toContain('step 2 repeats the name "same"');
  });
});
