/**
 * HTTP step writes over real sockets: Waymark's CLI on SQLite, PostgreSQL, Redis and in
 * token mode, each against a hand-written floor on the same store (or, for token mode,
 * the floor with records in a Map), and an Express + express-session + Redis peer.
 * Variants run interleaved round by round, so drift hits them all alike.
 * Run with `npx tsx bench/http/run.ts`. BENCH_SECONDS and BENCH_ROUNDS shorten it;
 * BENCH_VARIANTS=waymark-redis,floor-redis runs a subset.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyEntry } from "../../src/token/index.ts";
import { startBackends } from "./backends.ts";
import { answerShape, createFlows, stepWriter, type Target, type Writer } from "./load.ts";
import { measure } from "./measure.ts";
import { type BenchServer, startServer, type Variant, variants } from "./servers.ts";
import { markdownTable } from "./table.ts";
import { formatVerdicts, verdicts } from "./targets.ts";

const plan = {
  connectionCounts: [10, 50],
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
  warmUpSeconds: 2,
};
const flowCount = 1_000;

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
function buildDist(): void {
  const built = spawnSync("npm", ["run", "--silent", "build"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (built.status !== 0) throw new Error("npm run build failed");
}

/** Stopped in reverse order of starting: servers, then stores, then files. */
const cleanups: Array<() => Promise<void>> = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  })();
  return stopping;
}

function stopOn(reason: string): void {
  if (stopping) return;
  console.log(`\n${reason}: stopping every server`);
  void stopAll().then(() => process.exit(130));
}

async function bench(): Promise<void> {
  const started = Date.now();
  try {
    const selected = chosen(process.env.BENCH_VARIANTS);
    const dir = mkdtempSync(join(tmpdir(), "waymark-http-bench-"));
    // Kept after a failure once it holds the servers' logs.
    cleanups.push(async () => {
      if (process.exitCode && readdirSync(dir).length > 0) console.log(`logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    });
    if (selected.some((variant) => variant.startsWith("waymark-"))) buildDist();
    const stores = await startBackends(selected);
    cleanups.push(stores.stop);
    console.log(`machine: ${stores.machine}`);

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
      const [check, ...targets] = await createFlows(server.url, flowCount + 1);
      // Every variant must answer the write with the very JSON the first one answers.
      const answer = await answerShape(server.url, check as Target);
      shape ??= answer;
      if (answer !== shape) {
        throw new Error(`${variant} answers other JSON than ${selected[0]}:\n${answer}\n${shape}`);
      }
      writers.push(stepWriter(targets));
    }
    console.log(
      `${flowCount} flows per server; warm-up ${plan.warmUpSeconds} s, then ${plan.rounds} rounds of ${plan.seconds} s`,
    );

    const rows = await measure(servers, writers, plan);
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
    if (!stopping) {
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
  process.once("disconnect", () => stopOn("interrupted"));
  process.on("SIGINT", () => stopOn("SIGINT"));
  process.on("SIGTERM", () => stopOn("SIGTERM"));
  await bench();
} else {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, WAYMARK_BENCH_CHILD: "1" },
  });
  child.once("exit", (code) => process.exit(code ?? 1));
}
