/**
 * HTTP step writes over real sockets: Waymark's CLI on SQLite, PostgreSQL, Redis and in
 * token mode, each against a hand-written floor on the same store (or, for token mode,
 * the floor with records in a Map), and an Express + express-session + Redis peer.
 * Variants run interleaved round by round, so drift hits them all alike.
 * Run with `npx tsx bench/http/run.ts`. BENCH_SECONDS and BENCH_ROUNDS shorten it;
 * BENCH_VARIANTS=waymark-redis,floor-redis runs a subset.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyEntry } from "../../src/token/index.ts";
import { startBackends } from "./backends.ts";
import { answerShape, createFlows, stepWriter, type Target, type Writer } from "./load.ts";
import { measure } from "./measure.ts";
import { type BenchServer, startServer, type Variant, variants } from "./servers.ts";
import { markdownTable } from "./table.ts";
import { formatVerdicts, verdicts } from "./targets.ts";

/** A whole number ≥ 1 from the environment, or its default; anything else stops the run. */
function count(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of at least 1, not "${text}"`);
  }
  return value;
}
const flowCount = 1_000;
const connectionCounts = [10, 50];
const warmUpSeconds = 2;

function chosen(list: string | undefined): Variant[] {
  if (!list) return [...variants];
  const names = list.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(variants as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown BENCH_VARIANTS ${unknown.join(", ")}; known: ${variants.join(", ")}`);
  }
  return variants.filter((variant) => names.includes(variant));
}

/** Compiles src/ into dist/, which the Waymark variants run, as an installed copy does. */
async function buildDist(): Promise<void> {
  const build = spawn("npm", ["run", "--silent", "build"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [code] = (await once(build, "exit")) as [number | null];
  if (code !== 0) throw new Error("npm run build failed");
}

/** Stopped in reverse order of starting: servers, then stores, then files. */
const cleanups: Array<() => Promise<void>> = [];
async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

/**
 * Why the run was interrupted (Ctrl-C, SIGTERM, its parent gone, its output closed). The
 * run stops at its next step, so whatever is starting at that moment (PostgreSQL, a
 * server) has started and is registered when everything is stopped.
 */
let interrupted: string | undefined;
function interrupt(reason: string): void {
  if (interrupted) return;
  interrupted = reason;
  console.error(`\n${reason}: stopping at the end of the current step, then every server`);
}

class Interrupted extends Error {}

/** Ends the run here if it was interrupted. */
function checkpoint(): void {
  if (interrupted) throw new Interrupted(interrupted);
}

async function bench(): Promise<void> {
  const started = Date.now();
  try {
    const selected = chosen(process.env.BENCH_VARIANTS);
    const plan = {
      connectionCounts,
      rounds: count("BENCH_ROUNDS", 3),
      seconds: count("BENCH_SECONDS", 5),
      warmUpSeconds,
    };
    const dir = mkdtempSync(join(tmpdir(), "waymark-http-bench-"));
    // Kept after a failure (not an interruption) once it holds the servers' logs.
    cleanups.push(async () => {
      if (process.exitCode === 1 && readdirSync(dir).length > 0) console.log(`logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    });
    if (selected.some((variant) => variant.startsWith("waymark-"))) await buildDist();
    checkpoint();
    const stores = await startBackends(selected);
    cleanups.push(stores.stop);
    checkpoint();
    console.log(`machine: ${stores.machine}`);
    // The servers and the load generator share the cores: other work skews every ratio.
    const [load = 0] = loadavg();
    if (load > 0.5) {
      console.log(`warning: load average ${load.toFixed(2)} before starting; run the bench alone`);
    }

    const backends = { ...stores.backends, dir, tokenKeys: generateKeyEntry("bench") };
    const servers: BenchServer[] = [];
    cleanups.push(async () => {
      await Promise.all(servers.map((server) => server.stop()));
    });
    /** Each server's request source, by position in `servers`. */
    const writers: Writer[] = [];
    let shape: string | undefined;
    for (const variant of selected) {
      const server = await startServer(variant, backends);
      servers.push(server);
      checkpoint();
      const [check, ...targets] = await createFlows(server.url, flowCount + 1);
      // Every variant must answer the write with the very JSON the first one answers.
      const answer = await answerShape(server.url, check as Target);
      shape ??= answer;
      if (answer !== shape) {
        throw new Error(`${variant} answers other JSON than ${selected[0]}:\n${answer}\n${shape}`);
      }
      writers.push(stepWriter(targets));
      checkpoint();
    }
    console.log(
      `${flowCount} flows per server; warm-up ${plan.warmUpSeconds} s, then ${plan.rounds} rounds of ${plan.seconds} s`,
    );

    const rows = await measure(servers, writers, plan, checkpoint);
    console.log(`\nmedians of ${plan.rounds} rounds; machine: ${stores.machine}\n`);
    console.log(markdownTable(rows));
    console.log(`\ntargets:\n${formatVerdicts(verdicts(rows, plan.connectionCounts))}`);
    const failed = rows.filter((row) => row.non2xx > 0 || row.errors > 0);
    if (failed.length > 0) {
      const names = failed.map((row) => `${row.variant}@${row.connections}`);
      console.log(`\nnon-2xx or errors in: ${names.join(", ")}`);
      process.exitCode = 1;
    }
  } catch (error) {
    // Once interrupted, whatever fails next is only the servers going away.
    if (interrupted) process.exitCode = 130;
    else {
      console.error(`bench failed: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  } finally {
    await stopAll();
    console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

// On Ctrl-C, `npx tsx` gives its script 60 ms before a SIGKILL: too little to stop
// PostgreSQL, which pg_ctl runs outside our process group. So the bench runs in a
// detached child, out of the terminal's reach, that stops everything when this process
// ends, however it ends (the IPC channel then closes), or on its own signals.
if (process.env.WAYMARK_BENCH_CHILD) {
  process.channel?.unref();
  process.once("disconnect", () => interrupt("interrupted"));
  process.on("SIGINT", () => interrupt("SIGINT"));
  process.on("SIGTERM", () => interrupt("SIGTERM"));
  // `… | head` closes the pipe: stop as for Ctrl-C rather than die with servers running.
  process.stdout.on("error", () => interrupt("output closed"));
  process.stderr.on("error", () => interrupt("output closed"));
  // A parent gone while this process was still loading sent its "disconnect" unheard.
  if (!process.connected) interrupt("interrupted");
  await bench();
} else {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, WAYMARK_BENCH_CHILD: "1" },
  });
  child.once("exit", (code) => process.exit(code ?? 1));
}
