/**
 * HTTP step writes over real sockets: Waymark's CLI on SQLite against a hand-written floor
 * on the same SQLite settings, and the same floor with records in a Map.
 * Run with `npx tsx bench/http/run.ts`. BENCH_SECONDS and BENCH_ROUNDS shorten it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFlows, drive, stepWriter } from "./load.ts";
import { type BenchServer, startServer, type Variant } from "./servers.ts";
import { markdownTable, median, type Row } from "./table.ts";

const variants: Variant[] = ["waymark-sqlite", "floor-sqlite", "memory-map"];
const connectionCounts = [10, 50];
const flowCount = 1_000;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmUpSeconds = 2;

/** Waymark's step write: SELECT then conditional UPDATE (src/service/flows.ts, src/store/sqlite.ts). */
const waymarkOps = "1 read + 1 write (from the source)";

const dir = mkdtempSync(join(tmpdir(), "waymark-http-bench-"));
const servers: BenchServer[] = [];
/** Each server's request source, by position in `servers`. */
const writers: ReturnType<typeof stepWriter>[] = [];
try {
  for (const variant of variants) {
    const server = await startServer(variant, dir);
    servers.push(server);
    writers.push(stepWriter(await createFlows(server.url, flowCount)));
  }
  console.log(`${flowCount} flows per server; ${rounds} rounds of ${seconds} s; files in ${dir}`);

  type Measured = {
    reqPerSec: number;
    p50: number;
    p99: number;
    cpu: number;
    statements: number | null;
    non2xx: number;
    errors: number;
  };
  const measured = new Map<string, Measured[]>();
  for (const connections of connectionCounts) {
    for (const [index, server] of servers.entries()) {
      await drive(
        server.url,
        writers[index] as ReturnType<typeof stepWriter>,
        connections,
        warmUpSeconds,
      );
    }
    for (let round = 1; round <= rounds; round++) {
      for (const [index, server] of servers.entries()) {
        const before = await server.sample();
        const result = await drive(
          server.url,
          writers[index] as ReturnType<typeof stepWriter>,
          connections,
          seconds,
        );
        const after = await server.sample();
        const statements =
          before.statements === null || after.statements === null
            ? null
            : (after.statements - before.statements) / result.requests;
        const key = `${server.variant}@${connections}`;
        const list = measured.get(key) ?? [];
        list.push({
          reqPerSec: result.requests / result.seconds,
          p50: result.p50,
          p99: result.p99,
          cpu: (after.cpuMicros - before.cpuMicros) / result.requests,
          statements,
          non2xx: result.non2xx,
          errors: result.errors,
        });
        measured.set(key, list);
        console.log(
          `round ${round} ${server.variant} c=${connections}: ${Math.round(result.requests / result.seconds)} req/s, ` +
            `p99 ${result.p99} ms, non-2xx ${result.non2xx}`,
        );
      }
    }
  }

  const rows: Row[] = [];
  for (const connections of connectionCounts) {
    for (const variant of variants) {
      const list = measured.get(`${variant}@${connections}`) ?? [];
      const statements = list.map((m) => m.statements).filter((s): s is number => s !== null);
      rows.push({
        variant,
        connections,
        reqPerSec: median(list.map((m) => m.reqPerSec)),
        p50: median(list.map((m) => m.p50)),
        p99: median(list.map((m) => m.p99)),
        cpuMicrosPerRequest: median(list.map((m) => m.cpu)),
        storeOps:
          variant === "waymark-sqlite"
            ? waymarkOps
            : variant === "memory-map"
              ? "1 get + 1 set (Map)"
              : statements.length > 0
                ? `${median(statements).toFixed(2)} SQL statements (counted)`
                : "n/a",
        non2xx: list.reduce((sum, m) => sum + m.non2xx, 0),
        errors: list.reduce((sum, m) => sum + m.errors, 0),
      });
    }
  }
  console.log(`\n${markdownTable(rows)}`);
  const failed = rows.filter((row) => row.non2xx > 0 || row.errors > 0);
  if (failed.length > 0) {
    console.log(
      `\nnon-2xx or errors in: ${failed.map((r) => `${r.variant}@${r.connections}`).join(", ")}`,
    );
    process.exitCode = 1;
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
}
