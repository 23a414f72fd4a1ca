import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { describeStoreConformance } from "./store/conformance.ts";

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
