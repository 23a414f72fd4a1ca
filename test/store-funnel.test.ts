import { describe, expect, inject, it } from "vitest";
import type { FlowStore } from "waymark";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createRegistry } from "../src/flow/registry.ts";
import { computeFunnel } from "../src/service/funnel.ts";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { seededReport, seededWindow, seedFunnel } from "./support/funnel-seed.ts";
import { freshDatabase } from "./support/postgres-database.ts";

/** Each backend: a store on data of its own, and how to drop it. */
const backends: [string, () => Promise<{ store: FlowStore; drop: () => Promise<void> }>][] = [
  [
    "PostgreSQL",
    async () => {
      const database = await freshDatabase();
      const store = await createPostgresStore({ url: database.url });
      return { store, drop: () => database.drop() };
    },
  ],
  [
    "Redis",
    async () => {
      const prefix = `test:${crypto.randomUUID()}:`;
      const store = await createRedisStore({ url: inject("redisUrl"), prefix });
      return { store, drop: async () => undefined };
    },
  ],
  [
    "Redis Cluster",
    async () => {
      const prefix = `test:${crypto.randomUUID()}:`;
      const clusterNodes = inject("redisClusterNodes")
        .split(",")
        .map((node) => `redis://${node}`);
      const store = await createRedisStore({ clusterNodes, prefix });
      return { store, drop: async () => undefined };
    },
  ],
];

describe.each(backends)("the funnel on %s", (_name, open) => {
  it("matches the hand count of flows driven through the HTTP API, in batches of 3", async () => {
    const { store, drop } = await open();
    try {
      await seedFunnel(store);
      const report = await computeFunnel({
        store,
        registry: createRegistry([onboarding]),
        flow: "onboarding",
        ...seededWindow,
        batchSize: 3,
      });
      expect(report).toEqual(seededReport);
    } finally {
      await store.close();
      await drop();
    }
  });
});
