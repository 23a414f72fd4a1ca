import { inject } from "vitest";
import { createPostgresStore } from "../src/store/postgres.ts";
import { createRedisStore } from "../src/store/redis.ts";
import { describePreconditions } from "./support/preconditions.ts";

// The same table on the servers the run started: flow ids are random, and each Redis
// test has its own key prefix, so tests sharing the servers never meet.
describePreconditions("PostgreSQL", async () => {
  const store = await createPostgresStore({ url: inject("postgresUrl") });
  return { keeping: { store }, close: () => store.close() };
});

describePreconditions("Redis", async () => {
  const store = await createRedisStore({
    url: inject("redisUrl"),
    prefix: `test:${crypto.randomUUID()}:`,
  });
  return { keeping: { store }, close: () => store.close() };
});

describePreconditions("Redis Cluster", async () => {
  const store = await createRedisStore({
    clusterNodes: inject("redisClusterNodes")
      .split(",")
      .map((node) => `redis://${node}`),
    prefix: `test:${crypto.randomUUID()}:`,
  });
  return { keeping: { store }, close: () => store.close() };
});
