/**
 * What open live update streams cost a server: N streams (`BENCH_STREAMS`, 500 by
 * default) on one instance over a SQLite file, held by clients in a child process so
 * that only the server's memory is measured. Prints the server's RSS and heap growth per
 * open stream (after a full GC), and how long one write per flow took to reach every
 * stream. Run with `npm run bench`; a figure, not a target.
 */
import { spawn } from "node:child_process";
import { setMaxListeners } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const streams = Number(process.env.BENCH_STREAMS ?? 500);
/** Streams per flow: several tabs on one flow, and many flows. */
const perFlow = 5;

if (process.argv[2] === "client") await client(process.argv[3] ?? "", process.argv.slice(4));
else await server();

/** The clients: one stream per flow id given, each counted until it has `want` events. */
async function client(base: string, flowIds: string[]): Promise<void> {
  const counts = new Array<number>(flowIds.length).fill(0);
  const aborting = new AbortController();
  // One signal for every stream of this client: as many listeners as streams.
  setMaxListeners(0, aborting.signal);
  const reached = (want: number) => counts.every((count) => count >= want);
  let reported = 0;
  const report = () => {
    for (const want of [1, 2]) {
      if (reported < want && reached(want)) {
        reported = want;
        console.log(`events ${want}`);
      }
    }
  };
  await Promise.all(
    flowIds.map(async (flowId, index) => {
      const response = await fetch(`${base}/onboarding/${flowId}/events`, {
        signal: aborting.signal,
      });
      if (response.status !== 200) throw new Error(`stream ${index}: ${response.status}`);
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      void (async () => {
        try {
          for (;;) {
            const chunk = await reader?.read();
            if (!chunk || chunk.done) return;
            counts[index] = (counts[index] ?? 0) + (chunk.value.match(/^event: /gm)?.length ?? 0);
            report();
          }
        } catch {
          // Aborted at the end of the run.
        }
      })();
    }),
  );
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "close") {
      aborting.abort();
      process.exit(0);
    }
  }
}

async function server(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const { onboarding } = await import("../examples/onboarding/flow.ts");
  const { createWaymark } = await import("../src/http/app.ts");
  const { startServer } = await import("../src/server.ts");
  const { createSqliteStore } = await import("../src/store/sqlite.ts");
  const { personalInfo } = await import("../test/support/onboarding-data.ts");

  const dir = mkdtempSync(join(tmpdir(), "waymark-bench-live-"));
  const store = createSqliteStore({ path: join(dir, "bench.db") });
  const waymark = createWaymark({
    flows: [onboarding],
    store,
    liveUpdates: { maxStreams: streams },
  });
  const logger = { info: () => {}, error: () => {} };
  const running = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger });
  const flowIds: string[] = [];
  for (let i = 0; i < Math.ceil(streams / perFlow); i++) {
    const created = await fetch(`${running.url}/onboarding`, { method: "POST" });
    flowIds.push(((await created.json()) as { flowId: string }).flowId);
  }
  const targets = Array.from({ length: streams }, (_, i) => flowIds[i % flowIds.length] as string);

  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return process.memoryUsage();
  };
  const before = await settle();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "client", running.url, ...targets],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const expect = async (wanted: string) => {
    const { value } = await lines.next();
    if (value !== wanted) throw new Error(`client said ${value}, not ${wanted}`);
  };
  await expect("events 1");
  const open = await settle();
  if (waymark.liveUpdates.openStreams !== streams) {
    throw new Error(`${waymark.liveUpdates.openStreams} streams open, not ${streams}`);
  }

  const written = performance.now();
  for (const flowId of flowIds) {
    const saved = await fetch(`${running.url}/onboarding/${flowId}/step/1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(personalInfo),
    });
    if (saved.status !== 200) throw new Error(`write: ${saved.status}`);
  }
  await expect("events 2");
  const fannedOutMs = performance.now() - written;

  child.stdin.end("close\n");
  await new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 5_000;
  while (waymark.liveUpdates.openStreams > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const left = waymark.liveUpdates.openStreams;
  await running.close();
  rmSync(dir, { recursive: true, force: true });

  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const rss = (open.rss - before.rss) / streams;
  const heap = (open.heapUsed - before.heapUsed) / streams;
  console.log(
    `live streams: ${streams} open on ${flowIds.length} flows (SQLite file): ` +
      `RSS +${kib(rss)} KiB and heap +${kib(heap)} KiB per stream ` +
      `(RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(open.rss / 2 ** 20).toFixed(0)} MiB); ` +
      `one write per flow reached every stream in ${fannedOutMs.toFixed(0)} ms; ` +
      `${left} left open after the clients hung up`,
  );
}
