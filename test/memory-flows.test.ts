import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { startServer } from "../src/server.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { personalInfo } from "./support/onboarding-data.ts";

// A full collection on demand, so the heap is measured without garbage in it.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const dir = mkdtempSync(join(tmpdir(), "waymark-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The heap in use after a full collection, in bytes. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

describe("no per-client memory", () => {
  // The server keeps nothing per flow between requests: its heap after 20,000 flows is
  // the heap after 2,000, within what allocator noise and JIT code account for.
  it("serves 20,000 flows over HTTP without its heap growing with their number", async () => {
    const store = createSqliteStore({ path: join(dir, "flows.db") });
    const waymark = createWaymark({
      flows: [onboarding],
      store,
      // As `waymark serve` runs: the rate limit on, counted in the store.
      rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    });
    const logger = { info: () => {}, error: () => {} };
    const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger });
    let served = 0;
    // Each flow is started and gets its first step, from its own client address bucket.
    const serve = async (count: number) => {
      const concurrency = 16;
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next += 1;
            const started = await fetch(`${server.url}/onboarding`, { method: "POST" });
            expect(started.status).toBe(201);
            const { flowId } = (await started.json()) as { flowId: string };
            const written = await fetch(`${server.url}/onboarding/${flowId}/step/1`, {
              method: "PUT",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ ...personalInfo, firstName: `Ada${served}` }),
            });
            expect(written.status).toBe(200);
            await written.arrayBuffer();
            served += 1;
          }
        }),
      );
    };
    try {
      await serve(2_000);
      const before = await settledHeap();
      await serve(18_000);
      const after = await settledHeap();
      const perFlow = (after - before) / 18_000;
      console.log(
        `heap after 2,000 flows ${(before / 1048576).toFixed(1)} MiB, after 20,000 ${(after / 1048576).toFixed(1)} MiB: ${perFlow.toFixed(1)} bytes per flow`,
      );
      expect(served).toBe(20_000);
      // A record kept in memory would cost about 1 KiB a flow (18 MiB here); allow a
      // tenth of that for noise.
      expect(after - before).toBeLessThan(18_000 * 100);
    } finally {
      await server.close();
    }
  }, 180_000);
});
