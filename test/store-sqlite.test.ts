import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { describeStoreConformance } from "./store/conformance.ts";
import { sampleRecord } from "./support/records.ts";

describeStoreConformance("SQLite file", {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const store = createSqliteStore({ path });
    return {
      store,
      reopen: async () => createSqliteStore({ path }),
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe("SQLite checkpoints", () => {
  // Guards the background checkpointer: without it, the fsync runs inside a request.
  it("moves committed pages from the WAL into the database file off the request path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    try {
      const sizes = async (checkpointIntervalMs: number) => {
        const path = join(dir, `flows-${checkpointIntervalMs}.db`);
        const store = createSqliteStore({ path, checkpointIntervalMs });
        const before = statSync(path).size;
        for (let index = 0; index < 300; index++) await store.create(sampleRecord());
        await new Promise((resolve) => setTimeout(resolve, 600));
        const after = statSync(path).size;
        await store.close();
        return { before, after };
      };
      const background = await sizes(50);
      expect(background.after).toBeGreaterThan(background.before + 100_000);
      // SQLite's own policy checkpoints only inside a commit past 1000 pages.
      const inline = await sizes(0);
      expect(inline.after).toBe(inline.before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
