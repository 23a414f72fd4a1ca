import { afterAll, describe, expect, inject, it } from "vitest";
import { createRegistry, type FlowStore } from "waymark";
import { migrateStore } from "../src/service/migrate-store.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import flows from "./fixtures/migrate-flows.ts";
import { expectedDryRun, seedMigrations } from "./support/migrate-seeds.ts";
import { freshDatabase } from "./support/postgres-database.ts";
import { runCli } from "./support/processes.ts";

const registry = createRegistry(flows);
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** Each backend: opens a fresh, empty store on the run's real server, and its URL. */
const backends: Array<[string, () => Promise<{ store: FlowStore; url?: string }>]> = [
  [
    "PostgreSQL",
    async () => {
      const database = await freshDatabase();
      cleanups.push(database.drop);
      const store = await createPostgresStore({ url: database.url });
      return { store, url: database.url };
    },
  ],
  [
    "Redis",
    async () => {
      // A prefix of its own: tests sharing the run's server never meet.
      const store = await createRedisStore({
        url: inject("redisUrl"),
        prefix: `test:${crypto.randomUUID()}:`,
      });
      return { store };
    },
  ],
  [
    "Redis Cluster",
    async () => {
      const nodes = inject("redisClusterNodes").split(",");
      const store = await createRedisStore({
        clusterNodes: nodes.map((node) => `redis://${node}`),
        prefix: `test:${crypto.randomUUID()}:`,
      });
      return { store };
    },
  ],
];

describe.each(backends)("migrating the flows of %s", (_name, open) => {
  it("counts in a dry run, moves them in a real one, and finds nothing left after", async () => {
    const { store } = await open();
    try {
      const records = await seedMigrations(store);
      const dry = await migrateStore(store, registry, { dryRun: true, batchSize: 5 });
      expect(dry).toEqual(expectedDryRun(records.boom?.id));
      expect(await store.load(records.clean?.id ?? "")).toEqual(records.clean);

      const run = await migrateStore(store, registry, { dryRun: false, batchSize: 5 });
      expect(run).toEqual({ ...dry, dryRun: false });
      expect(await store.load(records["bad-email"]?.id ?? "")).toMatchObject({
        definitionVersion: 2,
        migratedFrom: { version: 1 },
        returnedSteps: { account: { data: { email: "not an email" } } },
      });
      expect(await store.load(records.boom?.id ?? "")).toEqual(records.boom);

      const rerun = await migrateStore(store, registry, { dryRun: false, batchSize: 5 });
      expect(rerun).toMatchObject({ scanned: 24, current: 13, moved: 0, failed: 1 });
    } finally {
      await store.close();
    }
  });
});

describe("waymark migrate on PostgreSQL", () => {
  it("runs as a process against a postgres:// URL", async () => {
    const [, open] = backends[0] as (typeof backends)[number];
    const { store, url = "" } = await open();
    const records = await seedMigrations(store);
    await store.delete(records.boom?.id ?? "");
    await store.close();
    const args = ["migrate", "--flows", "test/fixtures/migrate-flows.ts", "--store", url];
    const run = await runCli([...args, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ scanned: 23, moved: 10, failed: 0 });
    const rerun = await runCli([...args, "--dry-run"]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("0 flows would move, 0 would fail.");
  });
});
