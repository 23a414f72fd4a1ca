import { once } from "node:events";
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createWaymark, type Waymark } from "waymark";
import { toNodeListener } from "waymark/node";
import { startServer } from "waymark/server";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";

/** Two clients on one machine: loopback answers every 127.x.y.z, each a remote address. */
const alice = "127.0.0.1";
const bob = "127.0.0.2";

function limitedWaymark(): Waymark {
  return createWaymark({
    flows: [onboarding],
    store: createSqliteStore({ path: ":memory:" }),
    rateLimit: { limit: 2, windowMs: 60_000 },
  });
}

/** GET `path` over a real socket from `localAddress`; resolves the status and headers. */
async function get(url: string, path: string, localAddress: string, headers = {}) {
  const req = request(`${url}${path}`, { localAddress, headers, agent: false });
  req.end();
  const [response] = (await once(req, "response")) as [IncomingMessage];
  response.resume();
  await once(response, "end");
  return { status: response.statusCode, headers: response.headers };
}

/** Alice uses up her two requests; Bob, from another address, is still served. */
async function expectCountedPerAddress(url: string): Promise<void> {
  expect((await get(url, "/onboarding", alice)).status).toBe(200);
  const last = await get(url, "/onboarding", alice);
  expect(last.status).toBe(200);
  expect(last.headers.ratelimit).toMatch(/^limit=2, remaining=0, reset=(59|60)$/);
  const refused = await get(url, "/onboarding", alice);
  expect(refused.status).toBe(429);
  // The window started a moment ago: 60 seconds left, or 59 on a slow machine.
  expect(refused.headers["retry-after"]).toMatch(/^(59|60)$/);

  const other = await get(url, "/onboarding", bob);
  expect(other.status).toBe(200);
  expect(other.headers.ratelimit).toBe("limit=2, remaining=1, reset=60");
  // A client cannot pick its bucket with a header the handler was not told to trust.
  const spoofed = await get(url, "/onboarding", alice, { "x-forwarded-for": "192.0.2.99" });
  expect(spoofed.status).toBe(429);
}

describe("the remote address over a real port", () => {
  it("keys the limit in toNodeListener on node:http", async () => {
    const server = createServer(toNodeListener(limitedWaymark())).listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      await expectCountedPerAddress(`http://127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });

  it("keys the limit in startServer", async () => {
    const waymark = limitedWaymark();
    const logger = { info: () => {}, error: () => {} };
    const server = await startServer({ waymark, port: 0, host: "127.0.0.1", logger });
    try {
      await expectCountedPerAddress(server.url);
    } finally {
      await server.close();
    }
  });
});
