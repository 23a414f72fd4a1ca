import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = fileURLToPath(new URL("../../bin/waymark.js", import.meta.url));
const running = new Set<ChildProcess>();

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** A real `waymark serve` process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  output(): string;
  /** Sends a signal and waits for the process to exit; resolves its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `waymark serve` for the onboarding example (or the `flows` file) on `port`, or a
 * free one, and waits until `/healthz` answers. `env` is added to the environment; the
 * store comes from `WAYMARK_STORE` there, or `store`.
 */
export async function startServer(
  options: {
    store?: string;
    env?: Record<string, string>;
    args?: string[];
    port?: number;
    flows?: string;
    /** Start it with `npm start`, as a process manager would: the child is npm. */
    npmStart?: boolean;
  } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const flows = options.flows ?? "examples/onboarding/flow.ts";
  const args = ["--host", "127.0.0.1"];
  if (options.store) args.push("--store", options.store);
  args.push(...(options.args ?? []));
  const [command, commandArgs] = options.npmStart
    ? ["npm", ["start", "--silent", "--", ...args]]
    : [process.execPath, [cli, "serve", "--flows", flows, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}${stdout}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}${stdout}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    child,
    output: () => stdout,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Kills every server a test left running. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** Runs the CLI to completion; resolves its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, [cli, ...args], { cwd: root, env });
}

/** Runs a command to its end; resolves its exit code and output. */
export async function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}
