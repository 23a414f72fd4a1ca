import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./processes.ts";

const run = promisify(execFile);

/** A real server started for tests. */
export interface TestServer {
  url: string;
  /** Stops the server (as an outage would), keeping its data directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL server binaries Debian installed. */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((version) => join(root, version, "bin")).find((dir) => existsSync(dir));
  if (!bin) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql");
  return bin;
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user then. */
async function asPostgres(command: string, args: string[]): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
  await run(file, argv, { cwd: tmpdir() });
}

/**
 * A throwaway PostgreSQL cluster on a free port, trusting local connections. Commits are
 * acknowledged only once in the WAL (a crash of the server loses nothing acknowledged);
 * fsync is off for speed, which only matters if the machine itself goes down.
 */
export async function startPostgres(): Promise<TestServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), "waymark-pg-"));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: group } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout), Number(group));
  }
  const data = join(dir, "data");
  const port = await freePort();
  await asPostgres(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "waymark",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const pgCtl = join(bin, "pg_ctl");
  const start = () =>
    asPostgres(pgCtl, ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "start"]);
  const stop = () => asPostgres(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
  await start();
  return {
    url: `postgres://waymark@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Throws an install hint unless `command` is on the PATH: a missing tool is a failure. */
function requireCommand(command: string, aptPackage: string): void {
  const found = (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new Error(`${command} is not installed: apt-get install -y ${aptPackage}`);
}

/** Checked first, so a missing tool fails with its hint, not as a node that did not start. */
function requireRedis(): void {
  requireCommand("redis-server", "redis-server");
  requireCommand("redis-cli", "redis-tools");
}

/** Starts `redis-server` on `port` in `dir` and resolves once it answers PING. */
async function redisServer(port: number, dir: string, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      ...extra,
    ],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const { stdout } = await run("redis-cli", ["-p", String(port), "ping"]);
      if (stdout.trim() === "PONG") return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`redis-server on ${port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/**
 * A throwaway redis-server on a free port. `persistent` turns on the append-only file
 * with an fsync per write, so a killed server comes back with every acknowledged write.
 */
export async function startRedis({
  persistent = false,
} = {}): Promise<TestServer & { signal(signal: NodeJS.Signals): void }> {
  requireRedis();
  const dir = mkdtempSync(join(tmpdir(), "waymark-redis-"));
  const port = await freePort();
  // A later directive overrides the "--appendonly no" every server starts with.
  const persistence = persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : [];
  let child: ChildProcess | undefined = await redisServer(port, dir, persistence);
  return {
    url: `redis://127.0.0.1:${port}`,
    signal: (signal) => child?.kill(signal),
    async start() {
      child = await redisServer(port, dir, persistence);
    },
    async stop() {
      await stopChild(child);
    },
    async destroy() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A three-master Redis Cluster on free ports; `url` lists the nodes, comma-separated. */
export async function startRedisCluster(): Promise<TestServer> {
  requireRedis();
  const dir = mkdtempSync(join(tmpdir(), "waymark-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  // The bus port defaults to port + 10000, which may be taken or past 65535: pick it too.
  const busPorts = new Map<number, number>();
  for (const port of ports) busPorts.set(port, await freePort());
  const boot = (port: number) =>
    redisServer(port, dir, [
      "--cluster-enabled",
      "yes",
      "--cluster-port",
      String(busPorts.get(port)),
      "--cluster-config-file",
      join(dir, `nodes-${port}.conf`),
      "--cluster-node-timeout",
      "2000",
    ]);
  const booted = await Promise.allSettled(ports.map(boot));
  let children = booted.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    for (const result of booted) if (result.status === "rejected") throw result.reason;
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((port) => `127.0.0.1:${port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    const deadline = Date.now() + 20_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run("redis-cli", ["-p", String(port), "cluster", "info"]);
        if (stdout.includes("cluster_state:ok")) break;
        if (Date.now() > deadline) throw new Error("the Redis Cluster did not come up");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: ports.map((port) => `127.0.0.1:${port}`).join(","),
    async start() {
      children = await Promise.all(ports.map(boot));
    },
    async stop() {
      await Promise.all(children.map(stopChild));
    },
    async destroy() {
      await Promise.all(children.map(stopChild));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
