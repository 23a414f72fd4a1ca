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
  type Exchange,
  lostWrites,
  startLoad,
} from "./support/load.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";

afterAll(stopEverything);

/**
 * Each store's own server, since the test stops it: PostgreSQL by `pg_ctl stop -m
 * immediate` (a crash: no checkpoint, no goodbye to clients), Redis by SIGKILL, with the
 * append-only file fsynced on every write that the README recommends.
 */
const backends: Array<[string, () => Promise<TestServer>]> = [
  ["PostgreSQL", startPostgres],
  ["Redis", () => startRedis({ persistent: true })],
];

const users = 12;
/** Users that only start flows, so that keyed creates are in flight when the store dies. */
const starters = 4;
const thinkMs = 50;
const downMs = 3_000;
/** How soon after its store is back the service must be too, and every key free again. */
const backWithinMs = 1_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes step 1 of its own flow every 50 ms, with new data each time and without waiting
 * for Retry-After, as a monitor does: its answers time the service's return.
 */
function startProbe(url: string, flowId: string) {
  const exchanges: Exchange[] = [];
  let running = true;
  const done = (async () => {
    for (let round = 0; running; round++) {
      const sentAt = performance.now();
      const data = { ...personalInfo, firstName: `Probe ${round}` };
      try {
        const response = await fetch(
          `${url}/onboarding/${flowId}/step/1`,
          jsonRequest("PUT", data),
        );
        await response.arrayBuffer();
        const retryAfter = response.headers.get("retry-after");
        exchanges.push({
          method: "PUT",
          route: "probe",
          sentAt,
          at: performance.now(),
          status: response.status,
          retryAfter,
        });
      } catch (error) {
        const at = performance.now();
        exchanges.push({
          method: "PUT",
          route: "probe",
          sentAt,
          at,
          status: 0,
          retryAfter: null,
          error: String(error),
        });
      }
      await pause(50);
    }
  })();
  return {
    exchanges,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe.each(backends)("%s killed and restarted under load, behind nginx", (name, start) => {
  it("answers only 503 with Retry-After while it is down, loses no acknowledged write and is back within 1 s of it", async () => {
    const store = track(await start());
    let cluster: Cluster | undefined;
    try {
      cluster = await startCluster({ store: store.url });
      const before = await storedFlows(store.url);
      const created = await fetch(`${cluster.url}/onboarding`, { method: "POST" });
      expect(created.status).toBe(201);
      const { flowId } = (await created.json()) as { flowId: string };
      const probe = startProbe(cluster.url, flowId);
      const load = startLoad({ url: cluster.url, users, starters, thinkMs });
      await pause(2_000);

      await store.stop();
      const down = performance.now();
      await pause(downMs);
      const restarting = performance.now();
      await store.start();
      const up = performance.now();
      await pause(4_000);
      await probe.stop();
      await load.stop(5_000);

      const { ledger } = load;
      const all = [...ledger.exchanges, ...probe.exchanges];
      const duringOutage = all.filter((e) => e.sentAt >= down && e.at <= restarting);
      const notRetryable503 = duringOutage.filter((e) => e.status !== 503 || e.retryAfter === null);
      const firstBack = probe.exchanges.find((e) => e.sentAt >= up && e.status === 200);
      const backAfterMs = firstBack ? firstBack.at - up : Number.POSITIVE_INFINITY;
      const late = all.filter((e) => e.sentAt >= up + backWithinMs);
      const late503 = late.filter((e) => e.status === 503);
      const blockedKeys = late.filter((e) => e.code === "idempotency-key-in-flight");
      const gatewayErrors = all.filter(
        (e) => e.status === 0 || (e.status >= 500 && e.status !== 503),
      );
      const lost = await lostWrites(cluster.url, ledger);
      const duplicates = duplicateKeys(ledger);
      const stored = (await storedFlows(store.url)) - before - 1;
      const lastBlocked = blockedKeys.at(-1);
      console.log(
        `scale, store outage, ${name}: down ${Math.round(restarting - down)} ms, restarted in ` +
          `${Math.round(up - restarting)} ms; ${users} users and ${starters} starters; ` +
          `${describeLoad(ledger)}; while down: ${duringOutage.length} answers, ` +
          `${notRetryable503.length} not a 503 with Retry-After; service back ` +
          `${Math.round(backAfterMs)} ms after the store; 503 more than ${backWithinMs} ms after: ` +
          `${late503.length}; 409 idempotency-key-in-flight more than ${backWithinMs} ms after: ` +
          `${blockedKeys.length}` +
          (lastBlocked ? ` (the last ${Math.round(lastBlocked.sentAt - up)} ms after)` : "") +
          `; 500/502/504/no answer ${gatewayErrors.length}; lost ${lost.length}, keys answered ` +
          `with two flows ${duplicates.length}, flows stored ${stored} for ${ledger.keys.size} keys`,
      );

      expect(duringOutage.filter((e) => e.status === 503).length).toBeGreaterThan(0);
      expect(notRetryable503).toEqual([]);
      expect(gatewayErrors).toEqual([]);
      expect(ledger.unexpected).toEqual([]);
      expect(lost).toEqual([]);
      expect(duplicates).toEqual([]);
      expect(stored).toBeLessThanOrEqual(ledger.keys.size);
      expect(ledger.acks.length).toBeGreaterThan(50);
      expect(backAfterMs).toBeLessThanOrEqual(backWithinMs);
      expect(late503).toEqual([]);
      expect(blockedKeys).toEqual([]);
    } finally {
      await cluster?.close();
      await store.destroy();
    }
  }, 120_000);
});
