import { afterAll, describe, expect, it } from "vitest";
import {
  type Cluster,
  startCluster,
  stopEverything,
  storedFlows,
  track,
} from "./support/cluster.ts";
import {
  describeLoad,
  duplicateKeys,
  flowIdsOf,
  lostWrites,
  startLoad,
  statusCounts,
} from "./support/load.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";

afterAll(stopEverything);

/** Each store's own server: the test never shares one with another file. */
const backends: Array<[string, () => Promise<TestServer>]> = [
  ["PostgreSQL", startPostgres],
  // The setting the README recommends: an append-only file fsynced on every write.
  ["Redis", () => startRedis({ persistent: true })],
];

const users = 16;
/** Each user pauses 50 ms after each answer: steady load that leaves CPU for restarts. */
const thinkMs = 50;
const kills = 10;
const killEveryMs = 2_000;

describe.each(backends)(
  "three instances on %s behind nginx, one killed every 2 s",
  (name, start) => {
    it("loses no acknowledged step write, starts no flow twice and never answers 500", async () => {
      const store = track(await start());
      let cluster: Cluster | undefined;
      try {
        cluster = await startCluster({ store: store.url });
        const before = await storedFlows(store.url);
        const load = startLoad({ url: cluster.url, users, thinkMs });
        const began = performance.now();
        const restarts: Array<Promise<void>> = [];
        const restartMs: number[] = [];
        const restartErrors: unknown[] = [];
        let killed = 0;
        // Every 2 s, one of the instances that are up, as long as another one stays up
        // (a restart takes seconds on a busy machine; else the tick passes). Bounded, so
        // a machine that cannot keep up fails the test rather than stretching it.
        for (let tick = 1; killed < kills && tick <= 3 * kills; tick++) {
          await new Promise((resolve) =>
            setTimeout(resolve, began + tick * killEveryMs - performance.now()),
          );
          const up = cluster.instances.filter((instance) => instance.running());
          const victim = up[Math.floor(Math.random() * up.length)];
          if (!victim || up.length < 2) continue;
          await victim.stop("SIGKILL");
          killed += 1;
          const killedAt = performance.now();
          restarts.push(
            victim.start().then(
              () => void restartMs.push(performance.now() - killedAt),
              (error: unknown) => void restartErrors.push(error),
            ),
          );
        }
        const ranMs = performance.now() - began;
        await load.stop(5_000);
        await Promise.all(restarts);

        const { ledger } = load;
        const lost = await lostWrites(cluster.url, ledger);
        const duplicates = duplicateKeys(ledger);
        const stored = (await storedFlows(store.url)) - before;
        const counts = statusCounts(ledger.exchanges);
        const logs = cluster.logs();
        const leaked = flowIdsOf(ledger).filter((id) => logs.includes(id));
        const slowest = Math.max(...restartMs);
        console.log(
          `scale, an instance killed every 2 s, ${name}: ${(ranMs / 1000).toFixed(1)} s, ` +
            `${users} users, ` +
            `${killed} kills (back in ${Math.round(slowest)} ms at worst); ${describeLoad(ledger)}; ` +
            `lost ${lost.length}, keys answered with two flows ${duplicates.length}, ` +
            `flows stored ${stored} for ${ledger.keys.size} keys, unexpected answers ` +
            `${ledger.unexpected.length}, flow ids in nginx's logs ${leaked.length}`,
        );

        expect(restartErrors).toEqual([]);
        expect(killed).toBe(kills);
        expect(ledger.acks.length).toBeGreaterThan(100);
        expect(lost).toEqual([]);
        expect(duplicates).toEqual([]);
        // Read from the store itself: a flow no client heard of counts too.
        expect(stored).toBeLessThanOrEqual(ledger.keys.size);
        expect(counts["500"] ?? 0).toBe(0);
        expect(ledger.unexpected).toEqual([]);
        expect(leaked).toEqual([]);
      } finally {
        await cluster?.close();
        await store.destroy();
      }
    }, 120_000);
  },
);
