/** Starts each benchmarked server as a child process and reads its CPU time over IPC. */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../test/support/processes.ts";

export const variants = [
  "waymark-sqlite",
  "waymark-node-sqlite",
  "floor-sqlite",
  "waymark-postgres",
  "floor-postgres",
  "waymark-redis",
  "floor-redis",
  "waymark-token",
  "memory-map",
  "express-session-redis",
] as const;
export type Variant = (typeof variants)[number];

/** Where the servers keep their data. */
export interface Backends {
  dir: string;
  /** A database for Waymark and one for the floor, on one PostgreSQL server. */
  postgres?: { waymark: string; floor: string } | undefined;
  redis?: string | undefined;
  tokenKeys: string;
}

export interface Sample {
  /** User + system CPU time of the server process, in µs. */
  cpuMicros: number;
  /** Store operations the server has made so far (see cpu-probe.js). */
  ops: number;
  /** HTTP requests the server has received so far. */
  requests: number;
}

export interface BenchServer {
  variant: Variant;
  url: string;
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

const root = new URL("../../", import.meta.url).pathname;
const probe = new URL("./cpu-probe.js", import.meta.url).href;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not running`);
  return value;
}

/**
 * The CLI as an installed package runs it: the JavaScript compiled into dist/ (run.ts
 * builds it first), a flow file, a store, pino at info on stdout.
 */
function waymark(store: string, port: number): string[] {
  const flows = ["--flows", "examples/onboarding/flow.ts"];
  return ["dist/cli/main.js", "serve", ...flows, "--store", store, "--port", String(port)];
}

function script(file: string, ...args: string[]): string[] {
  return ["--import", "tsx", "--conditions=waymark-source", `bench/http/${file}`, ...args];
}

function command(variant: Variant, backends: Backends, port: number): string[] {
  const { dir } = backends;
  const at = String(port);
  switch (variant) {
    case "waymark-sqlite":
      return waymark(`sqlite:${join(dir, "waymark.db")}`, port);
    case "waymark-node-sqlite":
      return ["--import", "tsx", "bench/http/waymark-node.ts", join(dir, "node.db"), at];
    case "floor-sqlite":
      return script("floors/sqlite.ts", join(dir, "floor.db"), at);
    case "waymark-postgres":
      return waymark(need(backends.postgres, "PostgreSQL").waymark, port);
    case "floor-postgres":
      return script("floors/postgres.ts", need(backends.postgres, "PostgreSQL").floor, at);
    case "waymark-redis":
      return waymark(need(backends.redis, "redis-server"), port);
    case "floor-redis":
      return script("floors/redis.ts", need(backends.redis, "redis-server"), at);
    case "waymark-token":
      return waymark("token", port);
    case "memory-map":
      return script("floors/memory.ts", at);
    case "express-session-redis":
      return script("peers/express-session.ts", need(backends.redis, "redis-server"), at);
  }
}

/** BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server there when it stops. */
function profiling(variant: Variant): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}/${variant}`] : [];
}

export async function startServer(variant: Variant, backends: Backends): Promise<BenchServer> {
  const port = await freePort();
  const logFile = join(backends.dir, `${variant}.log`);
  const log = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    process.execPath,
    [...profiling(variant), "--import", probe, ...command(variant, backends, port)],
    {
      cwd: root,
      // The floors do not limit, so neither does Waymark; logging stays on as by default.
      env: { ...process.env, WAYMARK_RATE_LIMIT: "off", WAYMARK_TOKEN_KEYS: backends.tokenKeys },
      stdio: ["ignore", log, log, "ipc"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${variant} exited; see ${logFile}`);
    try {
      await fetch(`${url}/onboarding/not-a-flow`);
      break;
    } catch {
      if (waited > 30_000) {
        await stop();
        throw new Error(`${variant} did not start within 30 s; see ${logFile}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    variant,
    url,
    sample: () =>
      new Promise((resolve) => {
        child.once("message", (message) => {
          const { cpu, ops, requests } = message as Omit<Sample, "cpuMicros"> & {
            cpu: NodeJS.CpuUsage;
          };
          resolve({ cpuMicros: cpu.user + cpu.system, ops, requests });
        });
        child.send("cpu");
      }),
    stop,
  };
}
