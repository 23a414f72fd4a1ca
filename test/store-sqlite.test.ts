import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { describeStoreConformance, sampleRecord } from "waymark/testing";
import type { FlowRecord } from "../src/flow/types.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import { expectEffectsSaved } from "./support/records.ts";

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

describe("SQLite expiry by the hour", () => {
  const hourMs = 3_600_000;
  const noon = Date.UTC(2026, 10, 30, 12, 0);

  async function withStore(test: (store: ReturnType<typeof createSqliteStore>) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const store = createSqliteStore({ path: join(dir, "flows.db") });
    try {
      await test(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("purges to the millisecond within the hour being swept", async () => {
    await withStore(async (store) => {
      const early = sampleRecord({ expiresAt: noon + 10 * 60_000 });
      const late = sampleRecord({ expiresAt: noon + 50 * 60_000 });
      await store.create(early);
      await store.create(late);
      expect(await store.purgeExpired(new Date(noon + 10 * 60_000 - 1))).toBe(0);
      expect(await store.purgeExpired(new Date(noon + 10 * 60_000))).toBe(1);
      expect(await store.load(late.id)).toEqual(late);
    });
  });

  it("follows a write that moves the expiry into a later hour, and one that stays", async () => {
    await withStore(async (store) => {
      const record = sampleRecord({ expiresAt: noon + 5 * 60_000 });
      await store.create(record);
      // Same hour: the first statement takes it.
      const sameHour = { ...record, version: 2, expiresAt: noon + 20 * 60_000 };
      expect(await store.save(sameHour, 1)).toBe(true);
      // Three hours on: the second statement moves the hour too.
      const later = { ...sameHour, version: 3, expiresAt: noon + 3 * hourMs };
      expect(await store.save(later, 2)).toBe(true);
      expect(await store.purgeExpired(new Date(noon + 2 * hourMs))).toBe(0);
      expect(await store.load(record.id)).toEqual(later);
      expect(await store.purgeExpired(new Date(noon + 3 * hourMs))).toBe(1);
    });
  });

  it("purges by the hour of the keeping time, not of the expiry", async () => {
    await withStore(async (store) => {
      const kept = sampleRecord({ expiresAt: noon + 5 * 60_000, keepUntil: noon + 3 * hourMs });
      await store.create(kept);
      expect(await store.purgeExpired(new Date(noon + 3 * hourMs - 1))).toBe(0);
      expect(await store.load(kept.id)).toEqual(kept);
      // Saved within the keeping time's hour, then moved to another one.
      const sameHour = { ...kept, version: 2, keepUntil: noon + 3 * hourMs + 10 * 60_000 };
      expect(await store.save(sameHour, 1)).toBe(true);
      const later = { ...sameHour, version: 3, keepUntil: noon + 5 * hourMs };
      expect(await store.save(later, 2)).toBe(true);
      expect(await store.purgeExpired(new Date(noon + 5 * hourMs - 1))).toBe(0);
      expect(await store.purgeExpired(new Date(noon + 5 * hourMs))).toBe(1);
    });
  });

  it("refuses a stale version whether or not the hour moved", async () => {
    await withStore(async (store) => {
      const record = sampleRecord({ expiresAt: noon });
      await store.create(record);
      expect(await store.save({ ...record, version: 2, expiresAt: noon + 1 }, 1)).toBe(true);
      expect(await store.save({ ...record, version: 2, expiresAt: noon + 2 }, 1)).toBe(false);
      expect(await store.save({ ...record, version: 2, expiresAt: noon + 9 * hourMs }, 1)).toBe(
        false,
      );
      expect((await store.load(record.id))?.expiresAt).toBe(noon + 1);
    });
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
      expect(reopened.pragma("user_version", { simple: true })).toBe(7);
      reopened.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Guards the upgrades of files written before flows were found by their hour (2), and
  // before flows had a keeping time (4): expired flows are still found, and kept no longer.
  it.each([
    {
      version: 2,
      schema: `CREATE TABLE waymark_flows (id TEXT PRIMARY KEY, flow TEXT NOT NULL,
        version INTEGER NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL) STRICT;
        CREATE INDEX waymark_flows_expires_at ON waymark_flows (expires_at);`,
      row: (record: FlowRecord) => [record.expiresAt],
      oldIndex: "waymark_flows_expires_at",
    },
    {
      version: 4,
      schema: `CREATE TABLE waymark_flows (id TEXT PRIMARY KEY, flow TEXT NOT NULL,
        version INTEGER NOT NULL, expires_at INTEGER NOT NULL, expires_hour INTEGER NOT NULL,
        record TEXT NOT NULL) STRICT;
        CREATE INDEX waymark_flows_expires_hour ON waymark_flows (expires_hour);`,
      row: (record: FlowRecord) => [record.expiresAt, Math.floor(record.expiresAt / 3_600_000)],
      oldIndex: "waymark_flows_expires_hour",
    },
  ])(
    "upgrades a version-$version file: its flows are kept until they expire, then purged",
    async ({ version, schema, row, oldIndex }) => {
      const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
      const path = join(dir, "flows.db");
      const now = Date.UTC(2026, 10, 30, 12, 30);
      const gone = sampleRecord({ expiresAt: now - 60_000 });
      const live = sampleRecord({ expiresAt: now + 60_000 });
      const old = new Database(path);
      old.exec(schema);
      for (const record of [gone, live]) {
        const values = [
          record.id,
          record.flow,
          record.version,
          ...row(record),
          JSON.stringify(record),
        ];
        old
          .prepare(`INSERT INTO waymark_flows VALUES (${values.map(() => "?").join(", ")})`)
          .run(...values);
      }
      old.pragma(`user_version = ${version}`);
      old.close();
      const store = createSqliteStore({ path });
      try {
        expect(await store.purgeExpired(new Date(now))).toBe(1);
        expect(await store.load(gone.id)).toBeUndefined();
        expect(await store.load(live.id)).toEqual(live);
        expect(await store.purgeExpired(new Date(now + 60_000))).toBe(1);
        const file = new Database(path, { readonly: true });
        expect(file.pragma("user_version", { simple: true })).toBe(7);
        const columns = file.pragma("table_info(waymark_flows)") as { name: string }[];
        expect(columns.map((column) => column.name)).toEqual([
          "id",
          "flow",
          "version",
          "expires_at",
          "record",
          "keep_until",
          "keep_hour",
        ]);
        const indexes = file.pragma("index_list(waymark_flows)") as { name: string }[];
        expect(indexes.map((index) => index.name)).toContain("waymark_flows_keep_hour");
        expect(indexes.map((index) => index.name)).not.toContain(oldIndex);
        file.close();
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  // Guards the upgrade of files written before flows had an event log and an outbox.
  it("upgrades a version-5 file: its flows stay, and their writes keep events", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const record = sampleRecord();
    await createSqliteStore({ path }).close();
    const old = new Database(path);
    old.exec("DROP TABLE waymark_events; DROP TABLE waymark_outbox;");
    old
      .prepare(
        `INSERT INTO waymark_flows (id, flow, version, expires_at, keep_until, keep_hour, record)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.flow,
        record.version,
        record.expiresAt,
        record.expiresAt,
        Math.floor(record.expiresAt / 3_600_000),
        JSON.stringify(record),
      );
    old.pragma("user_version = 5");
    old.close();
    const store = createSqliteStore({ path });
    try {
      expect(await store.load(record.id)).toEqual(record);
      await expectEffectsSaved(store, record);
      const file = new Database(path, { readonly: true });
      expect(file.pragma("user_version", { simple: true })).toBe(7);
      file.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Guards the upgrade of files written before refused fields were counted.
  it("upgrades a version-6 file: its flows stay, and refused fields are counted and purged after 90 days", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const record = sampleRecord();
    const seeded = createSqliteStore({ path });
    await seeded.create(record);
    await seeded.close();
    const old = new Database(path);
    old.exec("DROP TABLE waymark_rejections;");
    old.pragma("user_version = 6");
    old.close();
    const store = createSqliteStore({ path });
    try {
      expect(await store.load(record.id)).toEqual(record);
      const at = Date.UTC(2026, 10, 30, 12, 30);
      const rejection = { flow: "onboarding", definitionVersion: 1, step: "review", at };
      await store.countRejection?.({ ...rejection, fields: ["/acceptTerms"] });
      const window = { flow: "onboarding", since: at, until: at + 3_600_000 };
      const counted = [{ definitionVersion: 1, step: "review", field: "/acceptTerms", count: 1 }];
      expect(await store.readRejections?.(window)).toEqual(counted);
      await store.purgeExpired(new Date(at + 90 * 86_400_000));
      expect(await store.readRejections?.(window)).toEqual(counted);
      await store.purgeExpired(new Date(at + 90 * 86_400_000 + 3_600_000));
      expect(await store.readRejections?.(window)).toEqual([]);
      const file = new Database(path, { readonly: true });
      expect(file.pragma("user_version", { simple: true })).toBe(7);
      file.close();
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

describe("SQLite rate limit counts", () => {
  it("keeps them in the flow file, and purges those whose window has ended", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-counts-"));
    const path = join(dir, "flows.db");
    const store = createSqliteStore({ path });
    const rows = () => {
      const db = new Database(path, { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM waymark_rate_limits").get() as { n: number })
          .n;
      } finally {
        db.close();
      }
    };
    try {
      const counter = store.rateLimitCounter?.({ name: "client", limit: 5, windowMs: 1_000 });
      if (!counter) throw new Error("the SQLite store keeps rate limit counts");
      expect(await counter.increment("a")).toMatchObject({ totalHits: 1 });
      expect(await counter.increment("a")).toMatchObject({ totalHits: 2 });
      await counter.increment("b");
      expect(rows()).toBe(2);
      await store.purgeExpired(new Date());
      expect(rows()).toBe(2);
      await store.purgeExpired(new Date(Date.now() + 1_001));
      expect(rows()).toBe(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
