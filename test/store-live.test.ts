import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { createClient } from "redis";
import { describe, expect, inject, it, vi } from "vitest";
import { sampleRecord } from "waymark/testing";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { createSqliteStore } from "../src/store/sqlite.ts";
import type { FlowStore } from "../src/store/types.ts";
import { freshDatabase } from "./support/postgres-database.ts";
import {
  startPostgres,
  startRedis,
  startRedisCluster,
  type TestServer,
} from "./support/servers.ts";

// Flow watches across what the conformance suite cannot do to a store: a write by another
// process, and the loss of the connection a store listens on.

/** A watch on `id` that counts its signals. */
async function counted(store: FlowStore, id: string) {
  let count = 0;
  const watch = await store.watchFlow?.(id, () => {
    count += 1;
  });
  if (!watch) throw new Error("this store cannot watch flows");
  return {
    get count() {
      return count;
    },
    /** Resolves once the count passed `before`. */
    signalled: (before: number, timeout = 2_000) =>
      vi.waitFor(() => expect(count).toBeGreaterThan(before), { timeout, interval: 10 }),
    close: () => watch.close(),
  };
}

describe("SQLite flow watches", () => {
  it("signals a write another process commits to the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "waymark-sqlite-"));
    const path = join(dir, "flows.db");
    const store = createSqliteStore({ path, watchIntervalMs: 50 });
    try {
      const record = sampleRecord();
      await store.create(record);
      const watch = await counted(store, record.id);
      const script = `import Database from "better-sqlite3";
        new Database(process.argv[1]).prepare("UPDATE waymark_flows SET version = 2 WHERE id = ?")
          .run(process.argv[2]);`;
      await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", script, path, record.id],
        { cwd: process.cwd() },
      );
      await watch.signalled(0);
      await watch.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a watchIntervalMs that is not a whole number of milliseconds, above 0", () => {
    for (const watchIntervalMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => createSqliteStore({ path: ":memory:", watchIntervalMs })).toThrow(RangeError);
    }
  });
});

describe("PostgreSQL flow watches", () => {
  /** The backend listening for this database's flows, if any: its last query was LISTEN. */
  async function listeningBackend(admin: pg.Client, database: string) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'`,
      [database],
    );
    return rows[0]?.pid;
  }

  it("listens again when its connection is terminated, and signals every watch then", async () => {
    const database = await freshDatabase();
    const name = new URL(database.url).pathname.slice(1);
    const admin = new pg.Client(database.url);
    await admin.connect();
    const store = await createPostgresStore({ url: database.url });
    const other = await createPostgresStore({ url: database.url });
    try {
      const record = sampleRecord();
      await store.create(record);
      const watch = await counted(store, record.id);
      const first = await listeningBackend(admin, name);
      expect(first).toBeDefined();
      await admin.query("SELECT pg_terminate_backend($1)", [first]);
      // Notifications sent while nobody listened are lost: the watch is told to look.
      await watch.signalled(0);
      const again = await vi.waitFor(
        async () => {
          const pid = await listeningBackend(admin, name);
          expect(pid).not.toBe(first);
          expect(pid).toBeDefined();
          return pid;
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(again).toBeDefined();
      const heard = watch.count;
      expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
      await watch.signalled(heard, 1_000);
      // The last watch gone, the connection goes back to the pool, no longer listening.
      await watch.close();
      await vi.waitFor(async () => expect(await listeningBackend(admin, name)).toBeUndefined());
    } finally {
      await other.close();
      await store.close();
      await admin.end();
      await database.drop();
    }
  });

  it("rejects a watch with store-unavailable when no connection can be had", async () => {
    const database = await freshDatabase();
    // A pool of one whose connection is taken: a new one cannot be had in time.
    const pool = new pg.Pool({
      connectionString: database.url,
      max: 1,
      connectionTimeoutMillis: 200,
    });
    try {
      const store = await createPostgresStore({ pool });
      const taken = await pool.connect();
      try {
        await expect(store.watchFlow?.(sampleRecord().id, () => undefined)).rejects.toMatchObject({
          code: "store-unavailable",
        });
      } finally {
        taken.release();
      }
      // Once a connection is free again, watching works.
      const watch = await store.watchFlow?.(sampleRecord().id, () => undefined);
      await watch?.close();
      await store.close();
    } finally {
      await pool.end();
      await database.drop();
    }
  });

  it("keeps the notifications of two schemas on one database apart", async () => {
    const database = await freshDatabase();
    const admin = new pg.Client(database.url);
    await admin.connect();
    await admin.query("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b");
    const inSchema = (schema: string) => {
      const url = new URL(database.url);
      url.searchParams.set("options", `-c search_path=${schema}`);
      return createPostgresStore({ url: url.href });
    };
    const a = await inSchema("tenant_a");
    const b = await inSchema("tenant_b");
    try {
      // The same id in both deployments: only the one written to hears of it.
      const record = sampleRecord();
      await a.create(record);
      await b.create(record);
      const watchA = await counted(a, record.id);
      const watchB = await counted(b, record.id);
      expect(await b.save({ ...record, version: 2 }, 1)).toBe(true);
      await watchB.signalled(0, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watchA.count).toBe(0);
      await watchA.close();
      await watchB.close();
    } finally {
      await a.close();
      await b.close();
      await admin.end();
      await database.drop();
    }
  });
});

describe("Redis flow watches", () => {
  it("subscribes again when its connection is killed, and signals every watch then", async () => {
    const url = inject("redisUrl");
    const prefix = `test:${crypto.randomUUID()}:`;
    const store = await createRedisStore({ url, prefix });
    const other = await createRedisStore({ url, prefix });
    const admin = createClient({ url });
    await admin.connect();
    /** The id of the store's subscriber connection, found by its name, if connected. */
    const subscriberId = async () => {
      const list = await admin.clientList();
      return list.find((client) => client.name === `${prefix}live`)?.id;
    };
    try {
      const record = sampleRecord();
      await store.create(record);
      const watch = await counted(store, record.id);
      const first = await subscriberId();
      expect(first).toBeDefined();
      await admin.sendCommand(["CLIENT", "KILL", "ID", String(first)]);
      // Published while nobody was subscribed is lost: the watch is told to look.
      await watch.signalled(0);
      expect(await subscriberId()).not.toBe(first);
      const heard = watch.count;
      expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
      await watch.signalled(heard, 1_000);
      await watch.close();
    } finally {
      await admin.close();
      await other.close();
      await store.close();
    }
  });

  it("on a Cluster, subscribes again when the shards' connections are killed", async () => {
    // A cluster of its own: killing every sharded subscriber on it disturbs no other test.
    const cluster = await startRedisCluster();
    const nodes = cluster.url.split(",");
    const clusterNodes = nodes.map((node) => `redis://${node}`);
    const store = await createRedisStore({ clusterNodes });
    const other = await createRedisStore({ clusterNodes });
    try {
      const records = Array.from({ length: 6 }, () => sampleRecord());
      for (const record of records) await store.create(record);
      const watches = await Promise.all(records.map((record) => counted(store, record.id)));
      let killed = 0;
      for (const node of nodes) {
        const admin = createClient({ url: `redis://${node}` });
        await admin.connect();
        try {
          const subscribers = (await admin.clientList()).filter((client) => (client.ssub ?? 0) > 0);
          for (const { id } of subscribers) {
            await admin.sendCommand(["CLIENT", "KILL", "ID", String(id)]);
            killed += 1;
          }
        } finally {
          await admin.close();
        }
      }
      expect(killed).toBeGreaterThan(0);
      for (const watch of watches) await watch.signalled(0, 5_000);
      for (const [index, record] of records.entries()) {
        const watch = watches[index];
        if (!watch) throw new Error("a watch per record");
        const heard = watch.count;
        expect(await other.save({ ...record, version: 2 }, 1)).toBe(true);
        await watch.signalled(heard, 1_000);
        await watch.close();
      }
    } finally {
      await other.close();
      await store.close();
      await cluster.destroy();
    }
  });

  it("publishes each write's new version on the flow's sharded channel", async () => {
    const url = inject("redisUrl");
    const prefix = `test:${crypto.randomUUID()}:`;
    const store = await createRedisStore({ url, prefix });
    const listener = createClient({ url });
    await listener.connect();
    try {
      const record = sampleRecord();
      const heard: string[] = [];
      await listener.sSubscribe(`${prefix}live:{${record.id}}`, (message) => heard.push(message));
      await store.create(record);
      await store.save({ ...record, version: 2 }, 1);
      await store.delete(record.id);
      // The new version, then 0 once deleted.
      await vi.waitFor(() => expect(heard).toEqual(["1", "2", "0"]));
    } finally {
      await listener.close();
      await store.close();
    }
  });
});

describe.each([
  ["PostgreSQL", startPostgres, (url: string) => createPostgresStore({ url })],
  // Persistent, so the flow is still there after the restart.
  ["Redis", () => startRedis({ persistent: true }), (url: string) => createRedisStore({ url })],
] as const)("%s flow watches through an outage", (_, startServer, openStore) => {
  it("refuse a new watch while the server is down, and hear writes again once it is back", async () => {
    const server: TestServer = await startServer();
    const store = await openStore(server.url);
    try {
      const record = sampleRecord();
      await store.create(record);
      const watch = await counted(store, record.id);
      await server.stop();
      await expect(store.watchFlow?.(sampleRecord().id, () => undefined)).rejects.toMatchObject({
        code: "store-unavailable",
      });
      await server.start();
      // Back, the store listens again and tells the watch to look: writes were possible
      // while it could not hear them.
      await watch.signalled(0, 15_000);
      const other = await openStore(server.url);
      try {
        const heard = watch.count;
        await vi.waitFor(
          async () => expect(await other.save({ ...record, version: 2 }, 1)).toBe(true),
          {
            timeout: 5_000,
          },
        );
        await watch.signalled(heard, 1_000);
      } finally {
        await other.close();
      }
      await watch.close();
    } finally {
      await store.close();
      await server.destroy();
    }
  });
});
