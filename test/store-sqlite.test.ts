import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
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

describe("SQLite under another process's write lock", () => {
  function lockedFile() {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const holder = new Database(path);
    return {
      path,
      /** Holds the write lock, as another process's long transaction would. */
      lock: () => holder.exec("BEGIN IMMEDIATE"),
      unlock: () => holder.exec("COMMIT"),
      cleanup: () => {
        holder.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  it("waits without blocking the event loop, then writes once the lock is released", async () => {
    const file = lockedFile();
    const store = createSqliteStore({ path: file.path });
    try {
      const record = sampleRecord();
      file.lock();
      // The lock is released by a timer: were the wait blocking, the timer could not fire
      // until the write had given up.
      setTimeout(file.unlock, 200);
      const created = store.create(record);
      await created;
      expect(await store.load(record.id)).toEqual(record);
    } finally {
      await store.close();
      file.cleanup();
    }
  });

  it("gives up with store-unavailable after busyTimeoutMs, having written nothing", async () => {
    const file = lockedFile();
    const store = createSqliteStore({ path: file.path, busyTimeoutMs: 100 });
    try {
      const record = sampleRecord();
      file.lock();
      await expect(store.create(record)).rejects.toMatchObject({ code: "store-unavailable" });
      file.unlock();
      expect(await store.load(record.id)).toBeUndefined();
    } finally {
      await store.close();
      file.cleanup();
    }
  });
});
