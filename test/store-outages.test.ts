import { afterEach, describe, expect, it } from "vitest";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { killAll, type ServerProcess, startServer } from "./support/processes.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";

afterEach(killAll);

/** Each store's own server, started for this test alone since the test stops it. */
const backends: Array<[string, () => Promise<TestServer>, (server: TestServer) => string]> = [
  ["PostgreSQL", startPostgres, (server) => server.url],
  // The setting the README recommends: an append-only file fsynced on every write.
  ["Redis", () => startRedis({ persistent: true }), (server) => server.url],
];

/** One write that changes the flow (a new first name each time) and one read. */
async function traffic(waymark: ServerProcess, flowId: string, round: number) {
  const data = { ...personalInfo, firstName: `Round ${round}` };
  const write = await fetch(`${waymark.url}/onboarding/${flowId}/step/1`, jsonRequest("PUT", data));
  const read = await fetch(`${waymark.url}/onboarding/${flowId}`);
  return [write, read] as const;
}

describe.each(backends)("an outage of %s", (_name, start, storeUrl) => {
  it("answers 503 with Retry-After, never 500, and recovers by itself", async () => {
    const backend = await start();
    try {
      const waymark = await startServer({ store: storeUrl(backend) });
      const created = await fetch(`${waymark.url}/onboarding`, { method: "POST" });
      const { flowId } = (await created.json()) as { flowId: string };
      let round = 0;
      let acknowledged = 0;
      const statuses = new Set<number>();
      const note = async (response: Response, isWrite: boolean) => {
        statuses.add(response.status);
        if (response.status === 503) expect(response.headers.get("retry-after")).toBe("1");
        if (isWrite && response.status === 200) acknowledged += 1;
        await response.arrayBuffer();
      };
      const exchange = async () => {
        const [write, read] = await traffic(waymark, flowId, ++round);
        await note(write, true);
        await note(read, false);
        return write.status;
      };

      for (let i = 0; i < 5; i++) expect(await exchange()).toBe(200);

      await backend.stop();
      const during: number[] = [];
      for (let i = 0; i < 5; i++) during.push(await exchange());
      expect(during).toEqual([503, 503, 503, 503, 503]);
      expect((await fetch(`${waymark.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${waymark.url}/healthz`)).status).toBe(200);

      await backend.start();
      let recovered = false;
      for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
        recovered = (await exchange()) === 200;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(recovered).toBe(true);
      expect((await fetch(`${waymark.url}/readyz`)).status).toBe(200);
      expect([...statuses].sort()).toEqual([200, 503]);
      expect(waymark.child.exitCode).toBeNull();
      // Every acknowledged write is there, and nothing else: the 503s wrote nothing.
      const final = await fetch(`${waymark.url}/onboarding/${flowId}`);
      expect(((await final.json()) as { version: number }).version).toBe(1 + acknowledged);
    } finally {
      await backend.destroy();
    }
  });
});
