import { afterAll, describe, expect, it } from "vitest";
import { startCluster, stopEverything, track } from "./support/cluster.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";
import { dataOf, sseReader } from "./support/sse.ts";

afterAll(stopEverything);

const backends: Array<[string, () => Promise<TestServer>]> = [
  ["Redis", () => startRedis()],
  ["PostgreSQL", startPostgres],
];

describe.each(backends)("live updates through nginx, three instances on %s", (_name, start) => {
  it("streams unbuffered through proxy_buffering off: heartbeats and every write, whichever instance takes it; a reconnect replays what it missed", async () => {
    const store = track(await start());
    const cluster = await startCluster({
      store: store.url,
      env: { WAYMARK_LIVE_HEARTBEAT_MS: "200" },
    });
    const created = await fetch(`${cluster.url}/onboarding`, { method: "POST" });
    const { flowId, version } = (await created.json()) as { flowId: string; version: number };

    const response = await fetch(`${cluster.url}/onboarding/${flowId}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = sseReader(response);
    await stream.waitForEvents(1);
    // Heartbeats 200 ms apart arrive one by one: nginx holds nothing back.
    await stream.waitForComments(3, 2_000);

    // Round robin spreads the writes over the instances; each reaches the stream in a second.
    const lastNames = ["Byron", "King", "Lovelace"];
    for (const [index, lastName] of lastNames.entries()) {
      const saved = await fetch(
        `${cluster.url}/onboarding/${flowId}/step/1`,
        jsonRequest("PUT", { ...personalInfo, lastName }),
      );
      expect(saved.status).toBe(200);
      const events = await stream.waitForEvents(index + 2, 1_000);
      expect(events.at(-1)).toMatchObject({ id: String(version + index + 1) });
    }
    await stream.cancel();

    // Away: one more write; back with Last-Event-ID, the latest state comes at once.
    const seen = version + lastNames.length;
    const missed = await fetch(
      `${cluster.url}/onboarding/${flowId}/step/1`,
      jsonRequest("PUT", { ...personalInfo, lastName: "Noel" }),
    );
    expect(missed.status).toBe(200);
    const again = sseReader(
      await fetch(`${cluster.url}/onboarding/${flowId}/events`, {
        headers: { "last-event-id": String(seen) },
      }),
    );
    const [replayed] = await again.waitForEvents(1);
    expect(replayed).toMatchObject({ event: "flow.changed", id: String(seen + 1) });
    expect(dataOf(replayed as never)).toMatchObject({ etag: `"v${seen + 1}"` });
    await again.cancel();

    // The private access log names the route's shape, never the flow id.
    await expect.poll(() => cluster.logs()).toContain('"route":"/onboarding/:id/events"');
    expect(cluster.logs()).not.toContain(flowId);
    await cluster.close();
  });
});
