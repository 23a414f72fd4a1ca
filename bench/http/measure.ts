/** The rounds: every server in turn, warm-up first, then the measured runs, as medians. */
import { setTimeout as sleep } from "node:timers/promises";
import { drive, type Writer } from "./load.ts";
import type { BenchServer, Sample } from "./servers.ts";
import { median, type Row } from "./table.ts";

export interface Plan {
  connectionCounts: number[];
  rounds: number;
  seconds: number;
  warmUpSeconds: number;
}

interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  cpu: number;
  ops: number;
  non2xx: number;
  errors: number;
}

/**
 * A sample once the server has gone quiet: the requests still in flight when autocannon
 * stopped are served (their store operations and CPU land in this run, as they count in
 * its requests) before the counts are read.
 */
async function settled(server: BenchServer): Promise<Sample> {
  let last = await server.sample();
  for (let waited = 0; waited < 5_000; waited += 100) {
    await sleep(100);
    const next = await server.sample();
    if (next.requests === last.requests && next.ops === last.ops) return next;
    last = next;
  }
  return last;
}

/** One measured run: req/s from autocannon, CPU and store ops per request the server saw. */
async function measureOnce(
  server: BenchServer,
  writer: Writer,
  connections: number,
  seconds: number,
): Promise<Run> {
  const before = await server.sample();
  const result = await drive(server.url, writer, connections, seconds);
  const after = await settled(server);
  const served = after.requests - before.requests;
  return {
    reqPerSec: result.requests / result.seconds,
    p50: result.p50,
    p99: result.p99,
    cpu: (after.cpuMicros - before.cpuMicros) / served,
    ops: (after.ops - before.ops) / served,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Runs the servers interleaved (A B C … A B C …) at each connection count. */
export async function measure(
  servers: BenchServer[],
  writers: Writer[],
  plan: Plan,
  /** Called before each run; throws to end the measuring there. */
  checkpoint: () => void = () => undefined,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const connections of plan.connectionCounts) {
    const runs = servers.map((): Run[] => []);
    for (const [index, server] of servers.entries()) {
      checkpoint();
      await drive(server.url, writers[index] as Writer, connections, plan.warmUpSeconds);
    }
    for (let round = 1; round <= plan.rounds; round++) {
      for (const [index, server] of servers.entries()) {
        checkpoint();
        const run = await measureOnce(server, writers[index] as Writer, connections, plan.seconds);
        runs[index]?.push(run);
        console.log(
          `round ${round} ${server.variant} c=${connections}: ${Math.round(run.reqPerSec)} req/s, ` +
            `p99 ${run.p99} ms, non-2xx ${run.non2xx}, errors ${run.errors}`,
        );
      }
    }
    for (const [index, server] of servers.entries()) {
      const list = runs[index] ?? [];
      const middle = (pick: (run: Run) => number) => median(list.map(pick));
      rows.push({
        variant: server.variant,
        connections,
        reqPerSec: middle((run) => run.reqPerSec),
        p50: middle((run) => run.p50),
        p99: middle((run) => run.p99),
        cpuMicrosPerRequest: middle((run) => run.cpu),
        storeOpsPerRequest: middle((run) => run.ops),
        non2xx: list.reduce((sum, run) => sum + run.non2xx, 0),
        errors: list.reduce((sum, run) => sum + run.errors, 0),
      });
    }
  }
  return rows;
}
