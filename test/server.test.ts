import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark } from "../src/http/app.ts";
import { startServer } from "../src/server.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { sampleRecord } from "./support/records.ts";

describe("startServer", () => {
  it("purges expired flows on its sweep and answers over a real port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-server-"));
    const store = createSqliteStore({ path: join(dir, "flows.db") });
    const expired = sampleRecord({ expiresAt: Date.now() - 1 });
    const live = sampleRecord({ expiresAt: Date.now() + 3_600_000 });
    await store.create(expired);
    await store.create(live);
    const logged: Array<Record<string, unknown>> = [];
    const logger = {
      info: (fields: Record<string, unknown>) => logged.push(fields),
      error: () => {},
    };
    const server = await startServer({
      waymark: createWaymark({ flows: [onboarding], store }),
      store,
      port: 0,
      host: "127.0.0.1",
      logger,
      purgeIntervalMs: 20,
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      for (let waited = 0; logged.length === 0 && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(logged).toContainEqual({ purged: 1 });
      expect(await store.load(expired.id)).toBeUndefined();
      expect(await store.load(live.id)).toEqual(live);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
