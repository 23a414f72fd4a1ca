import { inject } from "vitest";
import { describeStoreConformance } from "waymark/testing";
import { createRedisStore, type RedisStoreOptions } from "../src/store/redis.ts";

/** A store on its own key prefix, so tests sharing the run's servers never meet. */
function factory(connection: () => RedisStoreOptions) {
  return {
    async open() {
      const options = { ...connection(), prefix: `test:${crypto.randomUUID()}:` };
      const store = await createRedisStore(options);
      return {
        store,
        reopen: () => createRedisStore(options),
        cleanup: () => store.close(),
      };
    },
  };
}

describeStoreConformance(
  "Redis",
  factory(() => ({ url: inject("redisUrl") })),
);

describeStoreConformance(
  "Redis Cluster",
  factory(() => ({
    clusterNodes: inject("redisClusterNodes")
      .split(",")
      .map((node) => `redis://${node}`),
  })),
);
