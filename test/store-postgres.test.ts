import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { describeStoreConformance, sampleRecord } from "waymark/testing";
import { createPostgresStore } from "../src/store/postgres.ts";
import { freshDatabase } from "./support/postgres-database.ts";

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
      expect(rows).toEqual([{ version: 3 }]);
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
      expect(rows).toEqual([{ version: 3 }]);
      await client.end();
      await store.close();
    } finally {
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
