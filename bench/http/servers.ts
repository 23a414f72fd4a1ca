/** Starts each benchmarked server as a child process and reads its CPU time over IPC. */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export type Variant = "waymark-sqlite" | "floor-sqlite" | "memory-map";

export interface Sample {
  /** User + system CPU time of the server process, in µs. */
  cpuMicros: number;
  /** SQL statements the server has run so far, where it counts them. */
  statements: number | null;
}

export interface BenchServer {
  variant: Variant;
  url: string;
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

const root = new URL("../../", import.meta.url).pathname;
const probe = new URL("./cpu-probe.js", import.meta.url).href;

function command(variant: Variant, dir: string, port: number): string[] {
  if (variant === "waymark-sqlite") {
    // The CLI as users start it: flow file, SQLite store, pino at info on stdout.
    return [
      "bin/waymark.js",
      "serve",
      "--flows",
      "examples/onboarding/flow.ts",
      "--store",
      `sqlite:${join(dir, "w.db")}`,
      "--port",
      String(port),
    ];
  }
  const store = variant === "floor-sqlite" ? `sqlite:${join(dir, "floor.db")}` : "memory";
  return [
    "--import",
    "tsx",
    "--conditions=waymark-source",
    "bench/http/floor-server.ts",
    store,
    String(port),
  ];
}

/** BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server there when it stops. */
function profiling(variant: Variant): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}/${variant}`] : [];
}

export async function startServer(variant: Variant, dir: string): Promise<BenchServer> {
  const port = await freePort();
  const log = openSync(join(dir, `${variant}.log`), "a");
  const child: ChildProcess = spawn(
    process.execPath,
    [...profiling(variant), "--import", probe, ...command(variant, dir, port)],
    {
      cwd: root,
      env: { ...process.env, WAYMARK_RATE_LIMIT: "off" },
      stdio: ["ignore", log, log, "ipc"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`${variant} exited; see ${dir}/${variant}.log`);
    try {
      await fetch(`${url}/onboarding/not-a-flow`);
      break;
    } catch {
      if (waited > 30_000) throw new Error(`${variant} did not start within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    variant,
    url,
    sample: () =>
      new Promise((resolve) => {
        child.once("message", (message) => {
          const { cpu, statements } = message as {
            cpu: NodeJS.CpuUsage;
            statements: number | null;
          };
          resolve({ cpuMicros: cpu.user + cpu.system, statements });
        });
        child.send("cpu");
      }),
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
