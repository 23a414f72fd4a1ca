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
  const servers: TestServer[] = [];
  try {
    const [postgres, redis, cluster] = await Promise.all([
      startPostgres(),
      startRedis(),
      startRedisCluster(),
    ]);
    servers.push(postgres, redis, cluster);
    project.provide("postgresUrl", postgres.url);
    project.provide("redisUrl", redis.url);
    project.provide("redisClusterNodes", cluster.url);
  } catch (error) {
    await Promise.all(servers.map((server) => server.destroy()));
    throw error;
  }
  return async () => {
    await Promise.all(servers.map((server) => server.destroy()));
  };
}
