import { afterEach, describe, expect, it } from "vitest";
import { createWaymark, defineFlow, type FlowStore, WaymarkError } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  companyDetails,
  contractorContract,
  createHttpClient,
  dayMs,
  employeeContract,
  expectProblem,
  personalInfo,
  review,
} from "./support/http-client.ts";
import { dataOf, sseReader } from "./support/sse.ts";
import { countWatches, wrapStore } from "./support/wrap-store.ts";

const readers: Array<ReturnType<typeof sseReader>> = [];
/** Opens the events of `path` and reads them; every reader is hung up after each test. */
function follow(response: Response) {
  const reader = sseReader(response);
  readers.push(reader);
  return reader;
}
afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.cancel()));
});

describe("GET /{flow}/{flowId}/events", () => {
  it("sends the current state at once, then each write's, with the version as the event id", async () => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path, flow } = await client.start();
    const response = await client.send("GET", `${path}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const stream = follow(response);
    const [first] = await stream.waitForEvents(1);
    expect(stream.retries).toEqual([2000]);
    expect(first).toMatchObject({ id: String(flow.version), event: "flow.changed" });
    expect(dataOf(first as never)).toEqual({
      version: flow.version,
      status: "in_progress",
      currentStep: { number: 1, name: "personal-info" },
      updatedAt: flow.updatedAt,
      expiresAt: flow.expiresAt,
      etag: `"v${flow.version}"`,
    });

    const saved = await client.putOk(path, 1, personalInfo);
    const [, second] = await stream.waitForEvents(2);
    expect(second).toMatchObject({ id: String(saved.version), event: "flow.changed" });
    const data = dataOf(second as never);
    expect(data).toMatchObject({ currentStep: { number: 2, name: "contract-details" } });
    // A nudge, never the data: nothing typed into a step is in an event.
    expect(second?.data).not.toContain(personalInfo.email);
  });

  it("with Last-Event-ID sends the current state once it is newer", async () => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path, flow } = await client.start();
    const current = follow(
      await client.send("GET", `${path}/events`, {
        headers: { "last-event-id": String(flow.version) },
      }),
    );
    // Missed while away: one write, replayed as the latest state on reconnecting.
    const saved = await client.putOk(path, 1, personalInfo);
    await current.waitForEvents(1);
    expect(current.events.map((e) => e.id)).toEqual([String(saved.version)]);

    const behind = follow(
      await client.send("GET", `${path}/events`, {
        headers: { "last-event-id": String(flow.version) },
      }),
    );
    const [replayed] = await behind.waitForEvents(1);
    expect(replayed).toMatchObject({ id: String(saved.version), event: "flow.changed" });
  });

  // Regression: an id above the current version (one the flow never had) was taken as
  // seen, and the client got no state until the next write.
  it.each([
    ["just above the current version", (version: number) => String(version + 1)],
    ["far above it", () => "99999999999"],
    ["at the largest id read", () => "999999999999999"],
    ["too long to be a version", () => "9999999999999999"],
    ["below it", (version: number) => String(version - 1)],
  ])("with a Last-Event-ID %s, sends the current state at once", async (_, idOf) => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path } = await client.start();
    const saved = await client.putOk(path, 1, personalInfo);
    const stream = follow(
      await client.send("GET", `${path}/events`, {
        headers: { "last-event-id": idOf(saved.version) },
      }),
    );
    const [first] = await stream.waitForEvents(1);
    expect(first).toMatchObject({ id: String(saved.version), event: "flow.changed" });
  });

  it("with the current version as Last-Event-ID, sends nothing until the next write", async () => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path } = await client.start();
    const saved = await client.putOk(path, 1, personalInfo);
    const stream = follow(
      await client.send("GET", `${path}/events`, {
        headers: { "last-event-id": String(saved.version) },
      }),
    );
    await expect.poll(() => stream.retries).toEqual([2000]);
    const next = await client.putOk(path, 2, employeeContract);
    const [first] = await stream.waitForEvents(1);
    expect(stream.events.map((e) => e.id)).toEqual([String(next.version)]);
    expect(first).toMatchObject({ event: "flow.changed" });
  });

  it("coalesces writes that come faster than loads, in version order, ending on the latest", async () => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path } = await client.start();
    const stream = follow(await client.send("GET", `${path}/events`));
    await stream.waitForEvents(1);
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, employeeContract);
    await client.putOk(path, 1, { ...personalInfo, lastName: "B" });
    const { flow } = await client.read(path);
    await stream.waitFor("flow.changed");
    await expect
      .poll(() => stream.events.at(-1)?.id, { timeout: 2_000 })
      .toBe(String(flow.version));
    const ids = stream.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("says flow.completed after the completing write's state, then ends; a reconnect is told 204", async () => {
    const client = createHttpClient({ store: createMemoryStore() });
    const { path } = await client.start();
    const stream = follow(await client.send("GET", `${path}/events`));
    await stream.waitForEvents(1);
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, contractorContract);
    await client.putOk(path, 3, companyDetails);
    const done = await client.putOk(path, 4, review);
    const completed = await stream.waitFor("flow.completed");
    expect(completed.id).toBe(String(done.version));
    expect(dataOf(completed)).toMatchObject({ status: "completed", currentStep: null });
    await stream.waitForEnd();
    const last = stream.events.at(-2);
    expect(last).toMatchObject({ event: "flow.changed", id: String(done.version) });

    // 204 tells EventSource not to reconnect: it saw the completion already.
    const again = await client.send("GET", `${path}/events`, {
      headers: { "last-event-id": String(done.version) },
    });
    expect(again.status).toBe(204);
    // Without Last-Event-ID, the completed state and its completion, then the end.
    const fresh = follow(await client.send("GET", `${path}/events`));
    await fresh.waitForEnd();
    expect(fresh.events.map((e) => e.event)).toEqual(["flow.changed", "flow.completed"]);
    // Regression: an id above the final version answered 204, as if the client had seen
    // it. Any id but the final version gets the final state and the completion.
    for (const id of [done.version + 1, 99_999_999_999, done.version - 1]) {
      const other = await client.send("GET", `${path}/events`, {
        headers: { "last-event-id": String(id) },
      });
      expect(other.status).toBe(200);
      const ending = follow(other);
      await ending.waitForEnd();
      expect(ending.events.map((e) => [e.event, e.id])).toEqual([
        ["flow.changed", String(done.version)],
        ["flow.completed", String(done.version)],
      ]);
    }
  });

  it("says flow.deleted when the flow is erased, then ends", async () => {
    const { store, counts } = countWatches();
    const client = createHttpClient({ store });
    const { path } = await client.start();
    const stream = follow(await client.send("GET", `${path}/events`));
    await stream.waitForEvents(1);
    expect((await client.send("DELETE", path)).status).toBe(204);
    const deleted = await stream.waitFor("flow.deleted");
    expect(deleted.id).toBeUndefined();
    await stream.waitForEnd();
    expect(client.waymark.liveUpdates.openStreams).toBe(0);
    expect(counts).toEqual({ taken: 1, released: 1 });
  });

  it("says flow.expired when the flow passes expiresAt, then ends", async () => {
    const short = defineFlow({ name: "onboarding", ttl: "300ms", steps: onboarding.steps });
    const waymark = createWaymark({ flows: [short], store: createMemoryStore() });
    const started = await waymark.fetch(
      new Request("http://waymark.test/onboarding", { method: "POST" }),
    );
    const { flowId } = (await started.json()) as { flowId: string };
    const stream = follow(
      await waymark.fetch(new Request(`http://waymark.test/onboarding/${flowId}/events`)),
    );
    await stream.waitForEvents(1);
    const expired = await stream.waitFor("flow.expired", 3_000);
    expect(expired.id).toBe("1");
    await stream.waitForEnd();
    expect(waymark.liveUpdates.openStreams).toBe(0);
  });

  it("answers as a read does: 404 for an unknown flow, id or refused caller, 410 once expired", async () => {
    const secret = defineFlow({
      name: "onboarding",
      ttl: "7d",
      steps: onboarding.steps,
      access: "secret",
    });
    const client = createHttpClient({ flows: [secret], store: createMemoryStore() });
    const created = (await (await client.send("POST", "/onboarding")).json()) as {
      flowId: string;
      flowSecret: string;
    };
    const path = `/onboarding/${created.flowId}`;
    await expectProblem(await client.send("GET", `${path}/events`), 404, "flow-not-found");
    await expectProblem(
      await client.send("GET", `${path}/events`, { headers: { authorization: "Bearer nope" } }),
      404,
      "flow-not-found",
    );
    await expectProblem(
      await client.send("GET", "/onboarding/00000000-0000-4000-8000-000000000000/events"),
      404,
      "flow-not-found",
    );
    await expectProblem(await client.send("GET", "/onboarding/%20/events"), 404, "flow-not-found");
    await expectProblem(await client.send("GET", "/nothing/abc/events"), 404, "unknown-flow");
    const allowed = follow(
      await client.send("GET", `${path}/events`, {
        headers: { authorization: `Bearer ${created.flowSecret}` },
      }),
    );
    await allowed.waitForEvents(1);

    client.advance(8 * dayMs);
    await expectProblem(
      await client.send("GET", `${path}/events`, {
        headers: { authorization: `Bearer ${created.flowSecret}` },
      }),
      410,
      "flow-expired",
    );
    const post = await client.send("POST", `${path}/events`);
    await expectProblem(post, 405, "method-not-allowed");
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("is not served in token mode, nor with a store that cannot watch: 404 live-updates-unavailable", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const tokenClient = createHttpClient({ tokens });
    const { path } = await tokenClient.start();
    const problem = await expectProblem(
      await tokenClient.send("GET", `${path}/events`),
      404,
      "live-updates-unavailable",
    );
    expect(problem.detail).toMatch(/token mode/);
    await expectProblem(await tokenClient.send("GET", "/nothing/x/events"), 404, "unknown-flow");

    const { watchFlow: _, ...blind } = createMemoryStore();
    const blindClient = createHttpClient({ store: blind as FlowStore });
    const started = await blindClient.start();
    await expectProblem(
      await blindClient.send("GET", `${started.path}/events`),
      404,
      "live-updates-unavailable",
    );
  });

  it("holds at most maxStreams per instance: 503 too-many-streams with Retry-After beyond", async () => {
    const warned: unknown[] = [];
    const failed: unknown[] = [];
    const client = createHttpClient({
      store: createMemoryStore(),
      liveUpdates: { maxStreams: 2 },
      logger: {
        info: () => {},
        warn: (fields) => warned.push(fields),
        error: (f) => failed.push(f),
      },
    });
    const { path } = await client.start();
    const first = follow(await client.send("GET", `${path}/events`));
    follow(await client.send("GET", `${path}/events`));
    expect(client.waymark.liveUpdates.openStreams).toBe(2);
    const refused = await client.send("GET", `${path}/events`);
    expect(refused.headers.get("retry-after")).toBe("2");
    await expectProblem(refused, 503, "too-many-streams");
    // A refusal meant under load: a warning without a stack, not an error.
    expect(failed).toEqual([]);
    expect(warned).toEqual([{ route: "/:flow/:id/events", code: "too-many-streams" }]);
    await first.cancel();
    await expect.poll(() => client.waymark.liveUpdates.openStreams).toBe(1);
    const next = follow(await client.send("GET", `${path}/events`));
    await next.waitForEvents(1);
  });

  it("sends heartbeats, and ends a stream idle past idleTimeoutMs", async () => {
    const client = createHttpClient({
      store: createMemoryStore(),
      liveUpdates: { heartbeatMs: 40, idleTimeoutMs: 400 },
    });
    const { path } = await client.start();
    const stream = follow(await client.send("GET", `${path}/events`));
    await stream.waitForComments(3);
    expect(stream.comments.slice(0, 3)).toEqual(["heartbeat", "heartbeat", "heartbeat"]);
    await stream.waitForEnd(2_000);
    expect(client.waymark.liveUpdates.openStreams).toBe(0);
  });

  it("ends and releases its watch when the client goes away, by cancel or by abort", async () => {
    const { store, counts } = countWatches();
    const client = createHttpClient({ store });
    const { path } = await client.start();
    const cancelled = follow(await client.send("GET", `${path}/events`));
    await cancelled.waitForEvents(1);
    await cancelled.cancel();
    await expect.poll(() => counts.released).toBe(1);

    const aborting = new AbortController();
    const response = await client.waymark.fetch(
      new Request(`http://waymark.test${path}/events`, { signal: aborting.signal }),
    );
    const aborted = follow(response);
    await aborted.waitForEvents(1);
    expect(client.waymark.liveUpdates.openStreams).toBe(1);
    aborting.abort();
    await expect.poll(() => counts.released).toBe(2);
    expect(client.waymark.liveUpdates.openStreams).toBe(0);
    expect(counts.taken).toBe(2);
  });

  it("closeStreams ends every stream, as a shutdown does", async () => {
    const { store, counts } = countWatches();
    const client = createHttpClient({ store });
    const { path } = await client.start();
    const streams = [1, 2, 3].map(() => client.send("GET", `${path}/events`));
    const readers = (await Promise.all(streams)).map(follow);
    await Promise.all(readers.map((reader) => reader.waitForEvents(1)));
    await client.waymark.liveUpdates.closeStreams();
    await Promise.all(readers.map((reader) => reader.waitForEnd()));
    expect(client.waymark.liveUpdates.openStreams).toBe(0);
    expect(counts).toEqual({ taken: 3, released: 3 });
  });

  it("ends the stream when a later read fails (the store unreachable): the client reconnects", async () => {
    const inner = createMemoryStore();
    let failing = false;
    const flaky = wrapStore(inner, (method) => {
      if (failing && method === "load") throw new WaymarkError("store-unavailable", "down");
    });
    const reader = createHttpClient({ store: flaky });
    const writer = createHttpClient({ store: createMemoryStore({ shareWith: inner }) });
    const { path } = await writer.start();
    const stream = follow(await reader.send("GET", `${path}/events`));
    await stream.waitForEvents(1);
    failing = true;
    await writer.putOk(path, 1, personalInfo);
    await stream.waitForEnd();
    expect(stream.events).toHaveLength(1);
    expect(reader.waymark.liveUpdates.openStreams).toBe(0);
  });

  it("answers HEAD with the stream's headers and holds nothing open", async () => {
    const { store, counts } = countWatches();
    const client = createHttpClient({ store });
    const { path } = await client.start();
    const head = await client.send("HEAD", `${path}/events`);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(client.waymark.liveUpdates.openStreams).toBe(0);
    expect(counts).toEqual({ taken: 1, released: 1 });
  });

  it("refuses settings that are not positive integers", () => {
    expect(() =>
      createWaymark({
        flows: [onboarding],
        store: createMemoryStore(),
        liveUpdates: { heartbeatMs: 0 },
      }),
    ).toThrow(/liveUpdates.heartbeatMs/);
  });
});
