import { afterAll, describe, expect, it } from "vitest";
import { type Cluster, type Exit, startCluster, stopEverything, track } from "./support/cluster.ts";
import { describeLoad, duplicateKeys, lostWrites, startLoad } from "./support/load.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";

afterAll(stopEverything);

/** Each store's own server: the test never shares one with another file. */
const backends: Array<[string, () => Promise<TestServer>]> = [
  ["PostgreSQL", startPostgres],
  ["Redis", () => startRedis({ persistent: true })],
];

const users = 12;
const thinkMs = 50;
/** What `waymark serve` gives in-flight requests after SIGTERM (README, CLI). */
const drainMs = 10_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)(
  "a rolling restart of three instances on %s behind nginx",
  (name, start) => {
    it("fails no client request, and each instance drains and exits 0 in time", async () => {
      const store = track(await start());
      let cluster: Cluster | undefined;
      try {
        // `npm start -- --store … --port …`: SIGTERM goes to npm, as a process manager sends it.
        cluster = await startCluster({ store: store.url, launch: "npm-start" });
        const load = startLoad({ url: cluster.url, users, thinkMs });
        const began = performance.now();
        await pause(1_000);
        const exits: Exit[] = [];
        const restartMs: number[] = [];
        for (const instance of cluster.instances) {
          exits.push(await instance.stop("SIGTERM"));
          const restarting = performance.now();
          await instance.start();
          restartMs.push(performance.now() - restarting);
          // As a deployment waits for readiness before the next one: here, until nginx's
          // fail_timeout (2 s) has passed and it sends the new process requests again.
          await pause(2_100);
        }
        const ranMs = performance.now() - began;
        await load.stop(5_000);

        const { ledger } = load;
        const failed = ledger.exchanges.filter(
          (exchange) => !(exchange.status >= 200 && exchange.status < 300),
        );
        const lost = await lostWrites(cluster.url, ledger);
        const duplicates = duplicateKeys(ledger);
        const drains = exits.map((exit) => `${Math.round(exit.ms)} ms (exit ${exit.code})`);
        console.log(
          `scale, rolling restart, ${name}: ${(ranMs / 1000).toFixed(1)} s, ${users} users; ` +
            `instances drained in ${drains.join(", ")}, back in ` +
            `${restartMs.map((ms) => `${Math.round(ms)} ms`).join(", ")}; ${describeLoad(ledger)}; ` +
            `failed requests seen by clients ${failed.length}, lost ${lost.length}, ` +
            `keys answered with two flows ${duplicates.length}`,
        );

        expect(failed).toEqual([]);
        expect(ledger.unexpected).toEqual([]);
        for (const exit of exits) {
          expect(exit.code).toBe(0);
          expect(exit.serverGone).toBe(true);
          expect(exit.ms).toBeLessThan(drainMs);
        }
        expect(ledger.acks.length).toBeGreaterThan(100);
        expect(lost).toEqual([]);
        expect(duplicates).toEqual([]);
      } finally {
        await cluster?.close();
        await store.destroy();
      }
    }, 120_000);
  },
);
