import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { toNodeListener } from "waymark/node";
import { onboarding } from "../examples/onboarding/flow.ts";
import { startServer } from "../src/server.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { sseReader } from "./support/sse.ts";
import { countWatches } from "./support/wrap-store.ts";

const logger = { info: () => {}, error: () => {} };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(url: string): Promise<string> {
  const response = await fetch(`${url}/onboarding`, { method: "POST" });
  return ((await response.json()) as { flowId: string }).flowId;
}

describe("live update streams over a real Node server", () => {
  it("startServer: a client that hangs up (fetch aborted, socket destroyed) ends its stream and its watch", async () => {
    const { store, open } = countWatches();
    const waymark = createWaymark({ flows: [onboarding], store });
    const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger });
    cleanups.push(() => server.close());
    const flowId = await started(server.url);

    const aborting = new AbortController();
    const response = await fetch(`${server.url}/onboarding/${flowId}/events`, {
      signal: aborting.signal,
    });
    const stream = sseReader(response);
    await stream.waitForEvents(1);
    expect(waymark.liveUpdates.openStreams).toBe(1);
    aborting.abort();
    await expect.poll(() => waymark.liveUpdates.openStreams).toBe(0);
    expect(open()).toBe(0);

    // A raw socket torn down mid-stream, as a closed laptop lid would.
    const req = request(`${server.url}/onboarding/${flowId}/events`);
    req.end();
    const [res] = (await once(req, "response")) as [NodeJS.ReadableStream];
    await once(res, "data");
    expect(waymark.liveUpdates.openStreams).toBe(1);
    req.destroy();
    await expect.poll(() => waymark.liveUpdates.openStreams).toBe(0);
    expect(open()).toBe(0);
  });

  it("toNodeListener: a client that hangs up ends its stream", async () => {
    const { store, open } = countWatches();
    const waymark = createWaymark({ flows: [onboarding], store });
    const server = createServer(toNodeListener(waymark)).listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(async () => {
      await waymark.liveUpdates.closeStreams();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const flowId = await started(url);
    const aborting = new AbortController();
    const stream = sseReader(
      await fetch(`${url}/onboarding/${flowId}/events`, { signal: aborting.signal }),
    );
    await stream.waitForEvents(1);
    aborting.abort();
    await expect.poll(() => waymark.liveUpdates.openStreams).toBe(0);
    expect(open()).toBe(0);
  });

  it("holds 500 streams at once on one instance: every one gets its flow's update, and all close cleanly", async () => {
    const { store, open } = countWatches();
    const waymark = createWaymark({ flows: [onboarding], store });
    const server = await startServer({ waymark, store, port: 0, host: "127.0.0.1", logger });
    cleanups.push(() => server.close());
    const flows = await Promise.all(Array.from({ length: 100 }, () => started(server.url)));
    const streams = await Promise.all(
      Array.from({ length: 500 }, async (_, index) => {
        const flowId = flows[index % flows.length] as string;
        const response = await fetch(`${server.url}/onboarding/${flowId}/events`);
        expect(response.status).toBe(200);
        const reader = sseReader(response);
        await reader.waitForEvents(1, 20_000);
        return reader;
      }),
    );
    expect(waymark.liveUpdates.openStreams).toBe(500);
    expect(open()).toBe(500);
    for (const flowId of flows) {
      const saved = await fetch(
        `${server.url}/onboarding/${flowId}/step/1`,
        jsonRequest("PUT", personalInfo),
      );
      expect(saved.status).toBe(200);
    }
    await Promise.all(streams.map((reader) => reader.waitForEvents(2, 20_000)));
    expect(streams.every((reader) => reader.events[1]?.id === "2")).toBe(true);

    // Half hang up; the server ends the other half, as on shutdown.
    await Promise.all(streams.slice(0, 250).map((reader) => reader.cancel()));
    await expect.poll(() => waymark.liveUpdates.openStreams).toBe(250);
    await waymark.liveUpdates.closeStreams();
    await Promise.all(streams.slice(250).map((reader) => reader.waitForEnd(5_000)));
    expect(waymark.liveUpdates.openStreams).toBe(0);
    expect(open()).toBe(0);
  });
});
