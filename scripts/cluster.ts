// Several Waymark instances on one store, behind nginx with examples/nginx/waymark.conf:
//
//   npm run cluster -- --instances 3 --store postgres://user:pass@127.0.0.1:5432/db [--port 8080]
//   npm run cluster -- --store redis://127.0.0.1:6379
//   npm run cluster -- --store sqlite:./cluster.db
//
// Each instance is `waymark serve` on a free port of 127.0.0.1, counting its rate limit by
// the address nginx appends to X-Forwarded-For; nginx listens on 127.0.0.1:PORT and keeps
// its configuration, logs and temporary files in a temporary folder. Ctrl-C or SIGTERM
// stops nginx, lets every instance drain and exit, and removes the folder.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { accepts, type RunningNginx, startNginx } from "./nginx.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = fileURLToPath(new URL("../bin/waymark.js", import.meta.url));

const usage =
  "usage: npm run cluster -- --store postgres://…|redis://…|sqlite:./file.db [--instances 3] [--port 8080] [--flows examples/onboarding/flow.ts]";

/** The options, checked: a wrong one stops the script before anything starts. */
function options() {
  const { values } = parseArgs({
    options: {
      instances: { type: "string", default: "3" },
      store: { type: "string" },
      port: { type: "string", default: "8080" },
      flows: { type: "string", default: "examples/onboarding/flow.ts" },
    },
  });
  const instances = Number(values.instances);
  const port = Number(values.port);
  const store = values.store ?? process.env.WAYMARK_STORE;
  if (!Number.isInteger(instances) || instances < 1 || instances > 32) {
    throw new Error(`--instances must be a whole number from 1 to 32\n${usage}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`--port must be a port number\n${usage}`);
  }
  if (
    !store ||
    !/^(sqlite:|postgres(ql)?:\/\/|rediss?:\/\/|redis\+cluster:\/\/|token$)/.test(store)
  ) {
    throw new Error(`--store must name a store every instance can share\n${usage}`);
  }
  if (store === "token" && !process.env.WAYMARK_TOKEN_KEYS) {
    throw new Error(
      "token mode needs WAYMARK_TOKEN_KEYS, so that every instance opens every token",
    );
  }
  if (store.startsWith("sqlite::memory:")) {
    throw new Error(
      "sqlite::memory: lives inside one process: give a file, such as sqlite:./cluster.db",
    );
  }
  // npm runs scripts from the package's folder; a path given on the command line is
  // the user's, relative to where they typed it (npm's INIT_CWD).
  const flows =
    values.flows === "examples/onboarding/flow.ts"
      ? values.flows
      : resolve(process.env.INIT_CWD ?? process.cwd(), values.flows);
  return { instances, port, store, flows };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}

/** Starts `waymark serve` on `port` with its log lines prefixed by the port. */
function startInstance(port: number, store: string, flows: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [cli, "serve", "--flows", flows, "--store", store, "--port", String(port)],
    {
      cwd: root,
      env: { ...process.env, HOST: "127.0.0.1", WAYMARK_RATE_LIMIT_BY: "x-forwarded-for" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(`[${port}] ${line}\n`);
    });
  }
  return child;
}

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`the instance on port ${port} exited`);
    if (Date.now() > deadline) throw new Error(`the instance on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopInstance(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

const settings = (() => {
  try {
    return options();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();

const ports: number[] = [];
while (ports.length < settings.instances) {
  const port = await freePort();
  if (!ports.includes(port)) ports.push(port);
}
const instances = ports.map((port) => startInstance(port, settings.store, settings.flows));
let nginx: RunningNginx | undefined;
let stopping: Promise<void> | undefined;

/** Stops nginx first (no new requests), then the instances, which drain. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await nginx?.stop();
    await Promise.all(instances.map(stopInstance));
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => void stop(0));
}
instances.forEach((child, index) => {
  child.once("exit", (code, signal) => {
    if (stopping) return;
    process.stdout.write(
      `the instance on port ${ports[index]} exited (${signal ?? `code ${code}`}); nginx sends its requests to the others\n`,
    );
  });
});

try {
  await Promise.all(instances.map((child, index) => untilListening(ports[index] as number, child)));
  nginx = await startNginx(
    ports.map((port) => `127.0.0.1:${port}`),
    settings.port,
  );
  process.stdout.write(
    `Waymark: ${settings.instances} instance${settings.instances === 1 ? "" : "s"} on ` +
      `127.0.0.1:${ports.join(", 127.0.0.1:")} behind nginx at ${nginx.url}\n` +
      `nginx's configuration and logs: ${nginx.dir}\n` +
      "Ctrl-C stops them all.\n",
  );
} catch (error) {
  process.stderr.write(`cluster: ${(error as Error).message}\n`);
  await stop(1);
}
