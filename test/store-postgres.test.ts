import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { describeStoreConformance, sampleRecord } from "waymark/testing";
import { createPostgresStore } from "../src/store/postgres.ts";
import { freshDatabase } from "./support/postgres-database.ts";
import { expectEffectsSaved } from "./support/records.ts";

describeStoreConformance("PostgreSQL", {
  async open() {
    const database = await freshDatabase();
    const store = await createPostgresStore({ url: database.url });
    return {
      store,
      reopen: () => createPostgresStore({ url: database.url }),
      cleanup: async () => {
        await store.close();
        await database.drop();
      },
    };
  },
});

describe("PostgreSQL schema", () => {
  it("is created once when several instances start at the same time", async () => {
    const database = await freshDatabase();
    try {
      const stores = await Promise.all(
        Array.from({ length: 6 }, () => createPostgresStore({ url: database.url })),
      );
      const client = new pg.Client(database.url);
      await client.connect();
      const { rows } = await client.query("SELECT version FROM waymark_schema");
      await client.end();
      expect(rows).toEqual([{ version: 6 }]);
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await database.drop();
    }
  });

  it("works on a Pool of the user's own, and leaves it open", async () => {
    const database = await freshDatabase();
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const store = await createPostgresStore({ pool });
      await store.ping();
      await store.close();
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await database.drop();
    }
  });

  // Guards the upgrade of databases made before write locks were kept.
  it("upgrades a version-1 database in place: its flows stay, and write locks work", async () => {
    const database = await freshDatabase();
    try {
      const first = await createPostgresStore({ url: database.url });
      const record = sampleRecord();
      await first.create(record);
      await first.close();
      const client = new pg.Client(database.url);
      await client.connect();
      await client.query("DROP TABLE waymark_locks");
      await client.query("DROP TABLE waymark_rate_limits");
      await client.query("UPDATE waymark_schema SET version = 1");
      const store = await createPostgresStore({ url: database.url });
      expect(await store.load(record.id)).toEqual(record);
      expect(await store.claimWriteLock?.(record.id, "holder", 1_000)).toBe(true);
      const counter = store.rateLimitCounter?.({ name: "client", limit: 2, windowMs: 60_000 });
      expect(await counter?.increment("a")).toMatchObject({ totalHits: 1 });
      const { rows } = await client.query("SELECT version FROM waymark_schema");
      expect(rows).toEqual([{ version: 6 }]);
      await client.end();
      await store.close();
    } finally {
      await database.drop();
    }
  });

  // Guards the upgrade of databases made before flows had a keeping time.
  it("upgrades a version-3 database: its flows are kept until they expire, then purged", async () => {
    const database = await freshDatabase();
    const client = new pg.Client(database.url);
    try {
      await (await createPostgresStore({ url: database.url })).close();
      await client.connect();
      await client.query(`ALTER TABLE waymark_flows DROP COLUMN keep_until;
        CREATE INDEX waymark_flows_expires_at ON waymark_flows (expires_at);
        UPDATE waymark_schema SET version = 3`);
      const now = Date.now() + 3_600_000;
      const gone = sampleRecord({ expiresAt: now - 60_000 });
      const live = sampleRecord({ expiresAt: now + 60_000 });
      for (const record of [gone, live]) {
        await client.query(
          "INSERT INTO waymark_flows (id, flow, version, expires_at, record) VALUES ($1, $2, $3, $4, $5)",
          [record.id, record.flow, record.version, record.expiresAt, record],
        );
      }
      const store = await createPostgresStore({ url: database.url });
      try {
        const { rows } = await client.query(
          "SELECT keep_until = expires_at AS filled FROM waymark_flows",
        );
        expect(rows).toEqual([{ filled: true }, { filled: true }]);
        expect(await store.purgeExpired(new Date(now))).toBe(1);
        expect(await store.load(gone.id)).toBeUndefined();
        expect(await store.load(live.id)).toEqual(live);
        expect(await store.purgeExpired(new Date(now + 60_000))).toBe(1);
        const indexes = await client.query(
          "SELECT indexname FROM pg_indexes WHERE tablename = 'waymark_flows' ORDER BY indexname",
        );
        expect(indexes.rows).toEqual([
          { indexname: "waymark_flows_keep_until" },
          { indexname: "waymark_flows_pkey" },
        ]);
        const schema = await client.query("SELECT version FROM waymark_schema");
        expect(schema.rows).toEqual([{ version: 6 }]);
        // During a rolling deploy the previous release still writes, naming no keep_until.
        const kept = sampleRecord({ expiresAt: now, keepUntil: now + 90_000 });
        await client.query(
          "INSERT INTO waymark_flows (id, flow, version, expires_at, record) VALUES ($1, $2, $3, $4, $5)",
          [kept.id, kept.flow, kept.version, kept.expiresAt, kept],
        );
        const keepUntil = async () =>
          Number(
            (await client.query("SELECT keep_until FROM waymark_flows WHERE id = $1", [kept.id]))
              .rows[0]?.keep_until,
          );
        expect(await keepUntil()).toBe(now + 90_000);
        const { keepUntil: _, ...older } = { ...kept, version: 2, expiresAt: now + 120_000 };
        await client.query(
          "UPDATE waymark_flows SET version = $2, expires_at = $3, record = $4 WHERE id = $1",
          [kept.id, older.version, older.expiresAt, older],
        );
        expect(await keepUntil()).toBe(now + 120_000);
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await database.drop();
    }
  });

  // Guards the upgrade of databases made before flows had an event log and an outbox.
  it("upgrades a version-4 database: its flows stay, the previous release still writes, and writes keep events", async () => {
    const database = await freshDatabase();
    const client = new pg.Client(database.url);
    try {
      await (await createPostgresStore({ url: database.url })).close();
      await client.connect();
      await client.query(`DROP TABLE waymark_events; DROP TABLE waymark_outbox;
        UPDATE waymark_schema SET version = 4`);
      const record = sampleRecord();
      const insert = `INSERT INTO waymark_flows (id, flow, version, expires_at, record)
        VALUES ($1, $2, $3, $4, $5)`;
      await client.query(insert, [
        record.id,
        record.flow,
        record.version,
        record.expiresAt,
        record,
      ]);
      const store = await createPostgresStore({ url: database.url });
      try {
        expect(await store.load(record.id)).toEqual(record);
        await expectEffectsSaved(store, record);
        const { rows } = await client.query("SELECT version FROM waymark_schema");
        expect(rows).toEqual([{ version: 6 }]);
        // During a rolling deploy the previous release still writes its own way.
        const older = sampleRecord();
        await client.query(insert, [older.id, older.flow, older.version, older.expiresAt, older]);
        const saved = { ...older, version: 2 };
        await client.query(
          "UPDATE waymark_flows SET version = $2, record = $3 WHERE id = $1 AND version = 1",
          [older.id, saved.version, saved],
        );
        expect(await store.load(older.id)).toEqual(saved);
        await client.query("DELETE FROM waymark_flows WHERE id = $1", [older.id]);
        expect(await store.load(older.id)).toBeUndefined();
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await database.drop();
    }
  });

  // Guards the upgrade of databases made before refused fields were counted.
  it("upgrades a version-5 database: its flows stay, and refused fields are counted and purged after 90 days", async () => {
    const database = await freshDatabase();
    const client = new pg.Client(database.url);
    try {
      const record = sampleRecord();
      const seeded = await createPostgresStore({ url: database.url });
      await seeded.create(record);
      await seeded.close();
      await client.connect();
      await client.query("DROP TABLE waymark_rejections; UPDATE waymark_schema SET version = 5");
      const store = await createPostgresStore({ url: database.url });
      try {
        expect(await store.load(record.id)).toEqual(record);
        const at = Date.UTC(2026, 10, 30, 12, 30);
        const rejection = { flow: "onboarding", definitionVersion: 1, step: "review", at };
        await store.countRejection?.({ ...rejection, fields: ["/acceptTerms"] });
        await store.countRejection?.({ ...rejection, fields: ["/acceptTerms", "/*"] });
        const window = { flow: "onboarding", since: at, until: at + 3_600_000 };
        const field = (name: string, count: number) => ({
          definitionVersion: 1,
          step: "review",
          field: name,
          count,
        });
        const sorted = async () =>
          (await store.readRejections?.(window))?.sort((a, b) => (a.field < b.field ? -1 : 1));
        expect(await sorted()).toEqual([field("/*", 1), field("/acceptTerms", 2)]);
        await store.purgeExpired(new Date(at + 90 * 86_400_000));
        expect(await sorted()).toEqual([field("/*", 1), field("/acceptTerms", 2)]);
        await store.purgeExpired(new Date(at + 90 * 86_400_000 + 3_600_000));
        expect(await sorted()).toEqual([]);
        const { rows } = await client.query("SELECT version FROM waymark_schema");
        expect(rows).toEqual([{ version: 6 }]);
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await database.drop();
    }
  });

  it("refuses a database whose schema is newer", async () => {
    const database = await freshDatabase();
    try {
      await (await createPostgresStore({ url: database.url })).close();
      const client = new pg.Client(database.url);
      await client.connect();
      await client.query("UPDATE waymark_schema SET version = 99");
      await client.end();
      await expect(createPostgresStore({ url: database.url })).rejects.toThrow(
        /schema version 99 is newer/,
      );
    } finally {
      await database.drop();
    }
  });

  it("starts on a read-only database whose schema is current, and answers 503 to writes", async () => {
    const database = await freshDatabase();
    try {
      await (await createPostgresStore({ url: database.url })).close();
      const name = new URL(database.url).pathname.slice(1);
      const admin = new pg.Client(inject("postgresUrl"));
      await admin.connect();
      await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      await admin.end();
      // A standby after failover looks like this: reads work, writes are refused.
      const store = await createPostgresStore({ url: database.url });
      await store.ping();
      await expect(store.create(sampleRecord())).rejects.toMatchObject({
        code: "store-unavailable",
      });
      await store.close();
    } finally {
      await database.drop();
    }
  });
});
