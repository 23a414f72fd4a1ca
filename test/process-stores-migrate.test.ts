import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { jsonRequest } from "./support/onboarding-data.ts";
import { killAll, startServer } from "./support/processes.ts";
import { contactV1 } from "./support/versioned-flows.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-migrate-"));
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every store, as `--store` names it, on the real servers of this run. */
const stores: Array<[string, () => string]> = [
  ["SQLite", () => `sqlite:${join(dir, `${crypto.randomUUID()}.db`)}`],
  ["PostgreSQL", () => inject("postgresUrl")],
  ["Redis", () => inject("redisUrl")],
  ["Redis Cluster", () => `redis+cluster://${inject("redisClusterNodes")}`],
];

describe.each(stores)(
  "a deploy of a new definition over real processes on %s",
  (_name, storeUrl) => {
    it("finishes on v2 a flow started on v1 before the restart", async () => {
      const store = storeUrl();
      const v1 = await startServer({ store, flows: "test/fixtures/signup-v1.ts" });
      const { flowId } = (await (await fetch(`${v1.url}/signup`, { method: "POST" })).json()) as {
        flowId: string;
      };
      const flow = `/signup/${flowId}`;
      expect(
        (await fetch(`${v1.url}${flow}/step/contact`, jsonRequest("PUT", contactV1))).status,
      ).toBe(200);
      await v1.stop("SIGTERM");

      const v2 = await startServer({ store, flows: "test/fixtures/signup-v2.ts" });
      const plan = await fetch(`${v2.url}${flow}/step/plan`, jsonRequest("PUT", { tier: "team" }));
      expect(plan.status).toBe(200);
      expect(await plan.json()).toMatchObject({
        definitionVersion: 2,
        migratedFrom: { definitionVersion: 1 },
        data: { contact: { fullName: "Ada Lovelace", email: "ada@example.com", country: "NL" } },
      });
      const done = await fetch(
        `${v2.url}${flow}/step/confirm`,
        jsonRequest("PUT", { accept: true }),
      );
      expect(await done.json()).toMatchObject({ status: "completed", definitionVersion: 2 });
    });
  },
);
