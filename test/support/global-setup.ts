import type { TestProject } from "vitest/node";
import { startPostgres, startRedis, startRedisCluster, type TestServer } from "./servers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A real PostgreSQL server for the run: `postgres://…/postgres`. */
    postgresUrl: string;
    /** A real redis-server for the run: `redis://127.0.0.1:PORT`. */
    redisUrl: string;
    /** A real three-node Redis Cluster for the run: `host:port,host:port,host:port`. */
    redisClusterNodes: string;
  }
}

/** Starts the real servers the store tests talk to, once per run, and stops them after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([startPostgres(), startRedis(), startRedisCluster()]);
  const servers = started.flatMap((result) =>
    result.status === "fulfilled" ? [result.value] : [],
  );
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    // Stop what did start: a PostgreSQL daemon would otherwise outlive the run.
    await Promise.all(servers.map((server) => server.destroy()));
    throw failed.reason;
  }
  const [postgres, redis, cluster] = servers as [TestServer, TestServer, TestServer];
  project.provide("postgresUrl", postgres.url);
  project.provide("redisUrl", redis.url);
  project.provide("redisClusterNodes", cluster.url);
  return async () => {
    await Promise.all(servers.map((server) => server.destroy()));
  };
}
