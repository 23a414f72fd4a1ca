/**
 * Starts the PostgreSQL and redis-server the chosen variants need (the test suite's own
 * throwaway servers, test/support/servers.ts) and the machine description.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import pg from "pg";
import { startPostgres, startRedis } from "../../test/support/servers.ts";
import type { Backends, Variant } from "./servers.ts";

export interface Started {
  backends: Omit<Backends, "dir" | "tokenKeys">;
  /** CPU, cores, RAM, Node and store versions, one line. */
  machine: string;
  stop(): Promise<void>;
}

/** Turns a missing server into a message that names the Debian package to install. */
async function needed<T>(what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new Error(`${what} could not start: ${(error as Error).message}`, { cause: error });
  }
}

export async function startBackends(variants: readonly Variant[]): Promise<Started> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    await Promise.allSettled(stops.map((step) => step()));
  };
  const cpu = cpus();
  const machine = [
    `${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores`,
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `Node ${process.version}`,
  ];
  const backends: Started["backends"] = {};
  try {
    if (variants.some((variant) => variant.endsWith("-postgres"))) {
      // apt-get install -y postgresql, when missing: startPostgres names it.
      const server = await needed("PostgreSQL", startPostgres);
      stops.push(() => server.destroy());
      const client = new pg.Client(server.url);
      await client.connect();
      try {
        // Waymark and the floor each get their own database, hence their own waymark_flows.
        await client.query("CREATE DATABASE waymark");
        await client.query("CREATE DATABASE floor");
        const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
        machine.push(`PostgreSQL ${rows[0]?.server_version}`);
      } finally {
        await client.end();
      }
      const at = (database: string) => server.url.replace(/\/postgres$/, `/${database}`);
      backends.postgres = { waymark: at("waymark"), floor: at("floor") };
    }
    if (variants.some((variant) => variant.includes("redis"))) {
      // apt-get install -y redis-server, when missing: startRedis names it.
      const server = await needed("redis-server", () => startRedis());
      stops.push(() => server.destroy());
      const version = /v=(\S+)/.exec(
        execFileSync("redis-server", ["--version"], { encoding: "utf8" }),
      );
      machine.push(`redis-server ${version?.[1] ?? "unknown"}`);
      backends.redis = server.url;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { backends, machine: machine.join("; "), stop };
}
