import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { personalInfo } from "./support/onboarding-data.ts";
import { killAll, runCli, type ServerProcess, startServer } from "./support/processes.ts";
import { type ParsedResponse, parseResponses, rawExchange } from "./support/raw-http.ts";

let dir: string;
let store: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "waymark-limits-"));
  store = `sqlite:${join(dir, "flows.db")}`;
});
afterEach(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killAll);

function problemOf(response: ParsedResponse | undefined, status: number, code: string) {
  expect(response?.status).toBe(status);
  expect(response?.headers["content-type"]).toBe("application/problem+json");
  const problem = JSON.parse(response?.body ?? "") as Record<string, unknown>;
  expect(problem).toMatchObject({ type: `urn:waymark:problem:${code}`, status });
  return problem;
}

async function start(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.url}/onboarding`, { method: "POST" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { flowId: string }).flowId;
}

describe("waymark serve's limits", () => {
  it("answers 408 problem+json to headers that never finish, within --headers-timeout-ms", async () => {
    const server = await startServer({
      store,
      args: ["--headers-timeout-ms", "1000", "--request-timeout-ms", "2000"],
    });
    const exchange = await rawExchange(
      server.url,
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n",
      {
        waitMs: 5_000,
      },
    );
    const [response, ...rest] = parseResponses(exchange.text);
    expect(rest).toEqual([]);
    problemOf(response, 408, "request-timeout");
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(exchange.closedAfterMs).toBeLessThan(2_500);
  });

  it("answers 408 to a chunked body that never ends, and closes the connection", async () => {
    const server = await startServer({
      store,
      args: ["--headers-timeout-ms", "500", "--request-timeout-ms", "1500"],
    });
    const flowId = await start(server);
    let chunks = 0;
    const exchange = await rawExchange(
      server.url,
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"fir\r\n`,
      {
        waitMs: 6_000,
        // A chunk every 100 ms: the body keeps coming and never ends.
        onOpen: (socket) => {
          const timer = setInterval(() => {
            chunks += 1;
            socket.write("1\r\na\r\n");
          }, 100);
          socket.once("close", () => clearInterval(timer));
        },
      },
    );
    const [response, ...rest] = parseResponses(exchange.text);
    expect(rest).toEqual([]);
    problemOf(response, 408, "request-timeout");
    expect(chunks).toBeGreaterThan(5);
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(1_500);
    expect(exchange.closedAfterMs).toBeLessThan(3_500);
    const flow = (await (await fetch(`${server.url}/onboarding/${flowId}`)).json()) as {
      version: number;
    };
    expect(flow.version).toBe(1);
  });

  it("answers 431 to 10,000 empty headers (40 KB)", async () => {
    const server = await startServer({ store });
    const exchange = await rawExchange(
      server.url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${"a:\r\n".repeat(10_000)}\r\n`,
    );
    problemOf(parseResponses(exchange.text)[0], 431, "headers-too-large");
    expect(exchange.closedAfterMs).toBeDefined();
  });

  it("answers Expect: 100-continue from Content-Length: 413 with no 100 over the limit, else 100 then the answer", async () => {
    const server = await startServer({ store, args: ["--max-body-bytes", "4096"] });
    const flowId = await start(server);
    const put = (length: number) =>
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`;

    const refused = await rawExchange(server.url, put(10_000_000));
    expect(refused.text).not.toContain("100 Continue");
    const problem = problemOf(parseResponses(refused.text)[0], 413, "body-too-large");
    expect(problem.maxBytes).toBe(4096);
    expect(refused.closedAfterMs).toBeLessThan(2_000);

    const body = JSON.stringify(personalInfo);
    let sent = false;
    const accepted = await rawExchange(server.url, put(body.length), {
      onData: (socket, text) => {
        const answered = parseResponses(text).length;
        if (answered === 1 && !sent) {
          sent = true;
          socket.write(body);
        }
        if (answered === 2) socket.end();
      },
    });
    const [interim, final] = parseResponses(accepted.text);
    expect(interim?.status).toBe(100);
    expect(final?.status).toBe(200);
    expect(JSON.parse(final?.body ?? "")).toMatchObject({ version: 2 });
  });

  it("refuses to start with a headers timeout over the request timeout, naming both", async () => {
    const result = await runCli(
      ["serve", "--flows", "examples/onboarding/flow.ts", "--store", store, "--port", "0"],
      { WAYMARK_HEADERS_TIMEOUT_MS: "40000" },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the headers timeout (40000 ms");
    expect(result.stderr).toContain("the request timeout (30000 ms");
  });
});

/** Connections held open without a finished request, each reopened when the server closes it. */
interface Flood {
  /** Connections open now. */
  open: number;
  /** Connections the server closed, and how many of those it first answered 408 problem+json. */
  closedByServer: number;
  answered408: number;
  stop(): void;
}

/**
 * Opens `idle` connections that send nothing and `slow` slowloris clients that send a
 * request line, then one more header line every `trickleMs`, never the blank line;
 * resolves once all are open.
 */
async function flood(url: string, idle: number, slow: number, trickleMs: number): Promise<Flood> {
  const { hostname, port } = new URL(url);
  const sockets = new Set<Socket>();
  let stopped = false;
  let connected = 0;
  let ready: () => void = () => {};
  const allOpen = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const state: Flood = {
    open: 0,
    closedByServer: 0,
    answered408: 0,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
  const hold = (slowloris: boolean) => {
    const socket = connect(Number(port), hostname);
    sockets.add(socket);
    let text = "";
    let byServer = false;
    let opened = false;
    let trickle: NodeJS.Timeout | undefined;
    socket.setEncoding("latin1");
    socket.on("connect", () => {
      opened = true;
      state.open += 1;
      connected += 1;
      if (connected === idle + slow) ready();
      if (!slowloris) return;
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
      let line = 0;
      trickle = setInterval(() => socket.write(`X-Slow-${line++}: 1\r\n`), trickleMs);
    });
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("end", () => {
      byServer = true;
    });
    socket.on("error", () => {});
    socket.on("close", (hadError) => {
      clearInterval(trickle);
      sockets.delete(socket);
      if (opened) state.open -= 1;
      if (stopped) return;
      if (byServer || hadError) {
        state.closedByServer += 1;
        const [response] = parseResponses(text);
        if (response?.status === 408 && response.body.includes("request-timeout")) {
          state.answered408 += 1;
        }
      }
      hold(slowloris);
    });
  };
  for (let i = 0; i < idle; i++) hold(false);
  for (let i = 0; i < slow; i++) hold(true);
  await allOpen;
  return state;
}

/** `flows` onboarding flows started, written and read, `concurrency` at a time. */
async function workload(url: string, flows: number, concurrency: number) {
  const latencies: number[] = [];
  const statuses: number[] = [];
  const timed = async (input: string, init?: RequestInit) => {
    const started = performance.now();
    const response = await fetch(input, init);
    const text = await response.text();
    latencies.push(performance.now() - started);
    statuses.push(response.status);
    return { response, text };
  };
  let started = 0;
  const worker = async () => {
    while (started < flows) {
      started += 1;
      const created = await timed(`${url}/onboarding`, { method: "POST" });
      const { flowId } = JSON.parse(created.text) as { flowId: string };
      await timed(`${url}/onboarding/${flowId}/step/1`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(personalInfo),
      });
      await timed(`${url}/onboarding/${flowId}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1] ?? Number.NaN;
  return { statuses, p99: Math.round(p99 * 10) / 10 };
}

describe("waymark serve under a connection flood", () => {
  it("serves normal requests while 500 idle connections and 50 slowloris clients hold sockets, and closes those with 408", async () => {
    const server = await startServer({
      store,
      args: ["--headers-timeout-ms", "1000", "--request-timeout-ms", "2000", "--rate-limit", "off"],
    });
    await workload(server.url, 20, 10); // warms the server up: not measured
    const baseline = await workload(server.url, 150, 10);
    expect(baseline.statuses.every((status) => status >= 200 && status < 300)).toBe(true);

    const attack = await flood(server.url, 500, 50, 500);
    try {
      const openAtStart = attack.open;
      const flooded = await workload(server.url, 150, 10);
      const openAtEnd = attack.open;
      const closedDuring = attack.closedByServer;
      console.log(
        `flood: ${flooded.statuses.length} requests, p99 ${flooded.p99} ms with 500 idle and 50 slowloris connections held open (${openAtStart} open at the start, ${openAtEnd} at the end, ${closedDuring} closed by the server with 408 and reopened meanwhile); ${baseline.p99} ms without`,
      );
      expect(flooded.statuses).toHaveLength(450);
      expect(flooded.statuses.every((status) => status >= 200 && status < 300)).toBe(true);

      // Every held connection is closed by the server past the headers timeout, with a
      // 408 problem, however often the flood opens it again.
      const deadline = Date.now() + 15_000;
      while (attack.closedByServer < 550 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(
        `flood: the server closed ${attack.closedByServer} held connections, ${attack.answered408} of them answered 408`,
      );
      expect(attack.closedByServer).toBeGreaterThanOrEqual(550);
      expect(attack.answered408).toBe(attack.closedByServer);
    } finally {
      attack.stop();
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 90_000);
});
