import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { describeStoreConformance, sampleRecord } from "waymark/testing";
import { createSqliteStore } from "../src/store/sqlite.ts";

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

describe("SQLite schema", () => {
  // Guards the upgrade of files written before idempotency keys were stored.
  it("upgrades a version-1 file in place, keeping its flows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const record = sampleRecord();
    const old = new Database(path);
    old.exec(`CREATE TABLE waymark_flows (id TEXT PRIMARY KEY, flow TEXT NOT NULL,
      version INTEGER NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL) STRICT`);
    old
      .prepare("INSERT INTO waymark_flows VALUES (?, ?, ?, ?, ?)")
      .run(record.id, record.flow, record.version, record.expiresAt, JSON.stringify(record));
    old.pragma("user_version = 1");
    old.close();
    const store = createSqliteStore({ path });
    try {
      expect(await store.load(record.id)).toEqual(record);
      const claim = {
        fingerprint: "fp",
        token: "t",
        flowId: "f",
        now: 0,
        leaseUntil: 1,
        keepUntil: 2,
      };
      expect(await store.claimIdempotencyKey("k", claim)).toEqual({ claimed: true, flowId: "f" });
      const reopened = new Database(path, { readonly: true });
      expect(reopened.pragma("user_version", { simple: true })).toBe(2);
      reopened.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a file from a newer schema", () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const newer = new Database(path);
    newer.pragma("user_version = 99");
    newer.close();
    try {
      expect(() => createSqliteStore({ path })).toThrow(/schema version 99 is newer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
