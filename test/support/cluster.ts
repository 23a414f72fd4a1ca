import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createClient } from "redis";
import { type RunningNginx, startNginx } from "../../scripts/nginx.ts";
import { freePort, killAll, type ServerProcess, startServer } from "./processes.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * How an instance is started: `serve` runs `node bin/waymark.js serve` directly;
 * `npm-start` runs `npm start -- --store … --port …`, the command a process manager
 * holds in production, so a signal reaches npm first and must get through to Waymark.
 */
export type Launch = "serve" | "npm-start";

/** How an instance ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit of the process a process manager holds. */
  ms: number;
  /** Whether Waymark's own process is gone too (for `npm-start`, npm's child). */
  serverGone: boolean;
}

/** One Waymark instance on a fixed port, which it keeps across restarts. */
export interface ClusterInstance {
  readonly port: number;
  running(): boolean;
  /** Starts it (again) and resolves once `/healthz` answers. */
  start(): Promise<void>;
  /** Sends `signal` to the process a process manager would hold and waits for its exit. */
  stop(signal: NodeJS.Signals): Promise<Exit>;
}

/** Three (or `instances`) Waymark processes on one store, behind examples/nginx. */
export interface Cluster {
  /** nginx's address: where clients go. */
  url: string;
  nginx: RunningNginx;
  instances: ClusterInstance[];
  /** Everything nginx wrote to its access and error logs so far. */
  logs(): string;
  /** Stops nginx and every instance, also after a failure. */
  close(): Promise<void>;
}

/** How to stop everything the tests started here, in case a test ends before its own cleanup. */
const cleanups = new Set<() => Promise<unknown>>();

/** Registers `server` to be destroyed by {@link stopEverything}; returns it. */
export function track<T extends { destroy(): Promise<void> }>(server: T): T {
  cleanups.add(() => server.destroy());
  return server;
}

/**
 * Stops every cluster started here and destroys every tracked server, also those a test
 * that failed or timed out left behind. For `afterAll`.
 */
export async function stopEverything(): Promise<void> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of all) await cleanup().catch(() => undefined);
  killAll();
}

/** What every instance of a load test runs with: no rate limit (all load comes from one address), quiet logs. */
const loadEnv = { WAYMARK_RATE_LIMIT: "off", LOG_LEVEL: "warn", HOST: "127.0.0.1" };

/**
 * Starts `instances` Waymark processes on `store`, each on a free port, and nginx in
 * front of them with examples/nginx/waymark.conf. Anything that fails to start fails the
 * call, and what did start is stopped.
 */
export async function startCluster(options: {
  store: string;
  instances?: number;
  launch?: Launch;
  /** Added to every instance's environment. */
  env?: Record<string, string>;
}): Promise<Cluster> {
  const count = options.instances ?? 3;
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const launch = options.launch ?? "serve";
  const env = { ...loadEnv, ...options.env };
  const instances = ports.map((port) =>
    launch === "serve"
      ? serveInstance(options.store, port, env)
      : npmInstance(options.store, port, env),
  );
  let nginx: RunningNginx | undefined;
  const close = async () => {
    cleanups.delete(close);
    await nginx?.stop();
    await Promise.all(
      instances.map((instance) => (instance.running() ? instance.stop("SIGKILL") : undefined)),
    );
  };
  cleanups.add(close);
  try {
    // Settled, not raced: an instance still starting when another fails is stopped too.
    const started = await Promise.allSettled(instances.map((instance) => instance.start()));
    for (const result of started) if (result.status === "rejected") throw result.reason;
    const running = await startNginx(
      ports.map((port) => `127.0.0.1:${port}`),
      await freePort(),
    );
    nginx = running;
    return {
      url: running.url,
      nginx: running,
      instances,
      logs: () =>
        [running.accessLog, running.errorLog].map((file) => readFileSync(file, "utf8")).join(""),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function serveInstance(store: string, port: number, env: Record<string, string>): ClusterInstance {
  let server: ServerProcess | undefined;
  return {
    port,
    running: () =>
      server !== undefined && server.child.exitCode === null && server.child.signalCode === null,
    async start() {
      server = await startServer({ store, port, env });
    },
    async stop(signal) {
      const child = server?.child;
      if (!server || !child) throw new Error(`instance ${port} was never started`);
      const sent = performance.now();
      const code = await server.stop(signal);
      return { code, signal: child.signalCode, ms: performance.now() - sent, serverGone: true };
    },
  };
}

function npmInstance(store: string, port: number, env: Record<string, string>): ClusterInstance {
  let npm: ChildProcess | undefined;
  let output = "";
  const running = () => npm !== undefined && npm.exitCode === null && npm.signalCode === null;
  return {
    port,
    running,
    async start() {
      output = "";
      const child = spawn("npm", ["start", "--", "--store", store, "--port", String(port)], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      npm = child;
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk;
      });
      await untilHealthy(port, child, () => output);
    },
    async stop(signal) {
      const child = npm;
      if (!child?.pid) throw new Error(`instance ${port} was never started`);
      // The Waymark process npm started: `exec` in the start script makes it npm's child.
      const servers = childrenOf(child.pid);
      const sent = performance.now();
      if (running()) {
        const exited = once(child, "exit");
        child.kill(signal);
        await exited;
      }
      const ms = performance.now() - sent;
      if (signal === "SIGKILL") for (const pid of servers) kill(pid, "SIGKILL");
      return {
        code: child.exitCode,
        signal: child.signalCode,
        ms,
        serverGone: servers.length > 0 && servers.every((pid) => !alive(pid)),
      };
    },
  };
}

async function untilHealthy(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${port} exited: ${output()}`);
    if (Date.now() > deadline) throw new Error(`instance ${port} did not start: ${output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The child processes of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(/\s+/).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * How many flow records the store holds, read from the store itself (PostgreSQL's
 * `waymark_flows`, Redis's `waymark:flow:{…}` keys), so a duplicate a client never heard
 * of still counts.
 */
export async function storedFlows(store: string): Promise<number> {
  if (store.startsWith("postgres")) {
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>(
        "SELECT count(*) AS count FROM waymark_flows",
      );
      return Number(rows[0]?.count);
    } finally {
      await client.end();
    }
  }
  if (store.startsWith("redis")) {
    const client = createClient({ url: store });
    await client.connect();
    try {
      let count = 0;
      for await (const keys of client.scanIterator({ MATCH: "waymark:flow:*", COUNT: 1000 })) {
        count += keys.length;
      }
      return count;
    } finally {
      await client.close();
    }
  }
  throw new Error(`storedFlows: no way to count flows in ${store}`);
}
