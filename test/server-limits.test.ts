import { afterEach, describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { type RunningServer, type ServerOptions, startServer } from "../src/server.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { personalInfo } from "./support/onboarding-data.ts";
import { type ParsedResponse, parseResponses, rawExchange } from "./support/raw-http.ts";

type Limits = Omit<ServerOptions, "waymark" | "store" | "port" | "host" | "logger">;

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** startServer on a free port with the onboarding flow, keeping what it logs. */
async function serve(limits: Limits = {}) {
  const logged: Array<{ message: string } & Record<string, unknown>> = [];
  const logger = {
    info: (fields: Record<string, unknown>, message: string) => logged.push({ ...fields, message }),
    error: (fields: Record<string, unknown>, message: string) =>
      logged.push({ ...fields, message }),
  };
  const store = createMemoryStore();
  const server = await startServer({
    waymark: createWaymark({ flows: [onboarding], store, logger }),
    store,
    port: 0,
    host: "127.0.0.1",
    logger,
    ...limits,
  });
  running.push(server);
  const start = await fetch(`${server.url}/onboarding`, { method: "POST" });
  const { flowId } = (await start.json()) as { flowId: string };
  return { url: server.url, flowId, logged };
}

/** The one complete response in a server's output, and nothing after it. */
function only(text: string): ParsedResponse {
  const responses = parseResponses(text);
  expect(responses).toHaveLength(1);
  const [response] = responses as [ParsedResponse];
  expect(text.endsWith(response.body)).toBe(true);
  return response;
}

function expectProblem(response: ParsedResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toBe("application/problem+json");
  expect(response.headers.connection).toBe("close");
  const problem = JSON.parse(response.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: `urn:waymark:problem:${code}`, status });
  expect(typeof problem.title).toBe("string");
  expect(typeof problem.detail).toBe("string");
  return problem;
}

const headers = (count: number, line = (i: number) => `x-${i}: 1`) =>
  Array.from({ length: count }, (_, i) => `${line(i)}\r\n`).join("");

describe("startServer: timeouts", () => {
  it("answers 408 problem+json to headers that never finish, within headersTimeoutMs, and closes", async () => {
    const { url, logged } = await serve({ headersTimeoutMs: 400, requestTimeoutMs: 2_000 });
    const [partial, silent] = await Promise.all([
      rawExchange(url, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", { waitMs: 3_000 }),
      rawExchange(url, "", { waitMs: 3_000 }),
    ]);
    for (const exchange of [partial, silent]) {
      const problem = expectProblem(only(exchange.text), 408, "request-timeout");
      expect(problem.detail).toBe("The request headers did not arrive within 400 ms");
      // Node checks the timeouts on an interval of a tenth of the shorter one.
      expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(400);
      expect(exchange.closedAfterMs).toBeLessThan(1_500);
    }
    expect(logged.filter((line) => line.message === "request refused")).toEqual([
      { message: "request refused", status: 408, code: "request-timeout" },
      { message: "request refused", status: 408, code: "request-timeout" },
    ]);
  });

  it("answers 408 to a chunked body that never ends, closes the connection, and writes nothing", async () => {
    const { url, flowId, logged } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 800 });
    const exchange = await rawExchange(
      url,
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"fir\r\n`,
      { waitMs: 4_000 },
    );
    const problem = expectProblem(only(exchange.text), 408, "request-timeout");
    expect(problem.detail).toBe("The request did not arrive in full within 800 ms");
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(800);
    expect(exchange.closedAfterMs).toBeLessThan(2_000);
    // The handler reading the body answers the same problem, so its request line says 408.
    expect(logged.filter((line) => line.message === "request").at(-1)).toMatchObject({
      method: "PUT",
      status: 408,
    });
    const flow = (await (await fetch(`${url}/onboarding/${flowId}`)).json()) as {
      version: number;
    };
    expect(flow.version).toBe(1);
  });

  it("answers 408 to a body that stalls halfway, whatever its declared length", async () => {
    const { url, flowId } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const body = JSON.stringify(personalInfo);
    const exchange = await rawExchange(
      url,
      `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      { waitMs: 4_000 },
    );
    expectProblem(only(exchange.text), 408, "request-timeout");
    expect(exchange.closedAfterMs).toBeLessThan(2_000);
  });

  it("serves requests that arrive in time on a keep-alive connection, and closes it when idle", async () => {
    const { url } = await serve({ keepAliveTimeoutMs: 300 });
    const request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let sent = 1;
    const exchange = await rawExchange(url, request, {
      waitMs: 3_000,
      onData: (socket, text) => {
        if (parseResponses(text).length === sent && sent < 3) {
          sent += 1;
          socket.write(request);
        }
      },
    });
    expect(parseResponses(exchange.text).map((response) => response.status)).toEqual([
      200, 200, 200,
    ]);
    expect(exchange.closedAfterMs).toBeGreaterThanOrEqual(300);
    expect(exchange.closedAfterMs).toBeLessThan(1_500);
  });

  it("refuses timeouts and limits that are not positive integers, or headers past the request", async () => {
    await expect(serve({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).rejects.toThrow(
      "headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000)",
    );
    await expect(serve({ keepAliveTimeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(serve({ maxHeaderCount: 1.5 })).rejects.toThrow(
      "maxHeaderCount must be a positive integer",
    );
  });
});

describe("startServer: header limits", () => {
  it("answers 431 to 10,000 empty header fields, by their count", async () => {
    const { url, logged } = await serve();
    const exchange = await rawExchange(
      url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers(10_000, () => "a:")}\r\n`,
    );
    const problem = expectProblem(only(exchange.text), 431, "headers-too-large");
    expect(problem.detail).toBe("The request has more than 100 header fields");
    expect(exchange.closedAfterMs).toBeDefined();
    expect(logged.at(-1)).toEqual({
      message: "request refused",
      status: 431,
      code: "headers-too-large",
    });
  });

  it("answers 431 to empty fields by their size too, counted as sent", async () => {
    const { url } = await serve({ maxHeaderCount: 20_000 });
    const exchange = await rawExchange(
      url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers(10_000, () => "a:")}\r\n`,
    );
    const problem = expectProblem(only(exchange.text), 431, "headers-too-large");
    expect(problem.detail).toBe("The request line and headers exceed the limit of 16384 bytes");
  });

  it("takes 100 fields and refuses 101", async () => {
    const { url } = await serve();
    // Host, 98 more and Connection: 100 fields.
    const within = await rawExchange(
      url,
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers(98)}Connection: close\r\n\r\n`,
    );
    expect(only(within.text).status).toBe(200);
    const over = await rawExchange(url, `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers(100)}\r\n`);
    expectProblem(only(over.text), 431, "headers-too-large");
  });

  it("takes a header section of exactly maxHeaderBytes and refuses one byte more", async () => {
    const { url } = await serve({ maxHeaderBytes: 1_000 });
    const section = (size: number) => {
      const head = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ";
      return `${head}${"p".repeat(size - head.length - 4)}\r\n\r\n`;
    };
    expect(section(1_000)).toHaveLength(1_000);
    expect(only((await rawExchange(url, section(1_000))).text).status).toBe(200);
    const over = await rawExchange(url, section(1_001));
    const problem = expectProblem(only(over.text), 431, "headers-too-large");
    expect(problem.detail).toBe("The request line and headers exceed the limit of 1000 bytes");
  });
});

describe("startServer: Expect", () => {
  const put = (flowId: string, length: number, expect = "100-continue") =>
    `PUT /onboarding/${flowId}/step/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: ${expect}\r\nContent-Length: ${length}\r\n\r\n`;

  it("answers 413 at once, without 100 Continue, to a Content-Length over maxBodyBytes", async () => {
    const { url, flowId, logged } = await serve();
    const exchange = await rawExchange(url, put(flowId, 10_000_000));
    expect(exchange.text).not.toContain("100 Continue");
    const problem = expectProblem(only(exchange.text), 413, "body-too-large");
    expect(problem.maxBytes).toBe(65_536);
    expect(exchange.closedAfterMs).toBeLessThan(1_000);
    expect(logged.at(-1)).toEqual({
      message: "request refused",
      status: 413,
      code: "body-too-large",
    });
  });

  it("answers 100 Continue to a body within the limit, then the handler's answer", async () => {
    const { url, flowId } = await serve();
    const body = JSON.stringify(personalInfo);
    let sentBody = false;
    const exchange = await rawExchange(url, `${put(flowId, body.length)}`, {
      onData: (socket, text) => {
        if (!sentBody && text.includes("\r\n\r\n")) {
          sentBody = true;
          socket.write(body);
        }
        if (parseResponses(text).length === 2) socket.end();
      },
    });
    const [interim, final] = parseResponses(exchange.text);
    expect(interim?.status).toBe(100);
    expect(final?.status).toBe(200);
    expect(JSON.parse(final?.body ?? "")).toMatchObject({ version: 2 });
  });

  it("answers 431 before 100 Continue when the headers are over the limits", async () => {
    const { url, flowId } = await serve();
    // After Expect: Node keeps only the first fields past the limit.
    const request = put(flowId, 100).replace(/\r\n\r\n$/, `\r\n${headers(100)}\r\n`);
    const exchange = await rawExchange(url, request);
    expect(exchange.text).not.toContain("100 Continue");
    expectProblem(only(exchange.text), 431, "headers-too-large");
  });

  it("answers 417 problem+json to an expectation other than 100-continue", async () => {
    const { url, flowId } = await serve();
    const exchange = await rawExchange(url, put(flowId, 2, "something-else"));
    expectProblem(only(exchange.text), 417, "expectation-failed");
  });
});
