import { describe, expect, it } from "vitest";
import { createDeliverer, handlerDestination, webhookDestination } from "../src/delivery/index.ts";
import type { FlowEvent } from "../src/flow/events.ts";
import { useDeliveryRig } from "./support/delivery-rig.ts";
import { fakeEvent } from "./support/fake-outbox.ts";
import { newSecret } from "./support/webhook-receiver.ts";

const secret = newSecret();
const rig = useDeliveryRig(secret);

/** The event ids the rig.receiver got, in order, for one flow. */
function receivedOf(flowKey: string): string[] {
  return rig.receiver.received
    .map((request) => String(request.headers["webhook-id"]))
    .filter((id) => id.startsWith(`${flowKey}:`));
}

describe("the deliverer", () => {
  it("delivers one flow's events in order, a failure holding back the later ones", async () => {
    const destination = webhookDestination(rig.hookUrl());
    for (const version of [3, 1, 2])
      rig.outbox.add(fakeEvent("a", version, { at: rig.clock }), destination);
    rig.outbox.add(
      fakeEvent("a", 2, { at: rig.clock, index: 1, type: "flow.completed" }),
      destination,
    );
    rig.outbox.add(fakeEvent("b", 1, { at: rig.clock }), destination);
    let failedOnce = false;
    rig.receiver.answer((request) => {
      if (request.headers["webhook-id"] === "a:1:0" && !failedOnce) {
        failedOnce = true;
        return { status: 500 };
      }
      return { status: 200 };
    });
    const run = rig.deliverer();
    expect(await run.runOnce()).toBe(2);
    expect(receivedOf("a")).toEqual(["a:1:0"]);
    expect(receivedOf("b")).toEqual(["b:1:0"]);
    // Nothing of flow a is due until its first event's retry.
    expect(await run.runOnce()).toBe(0);
    rig.clock += 5_000;
    while ((await run.runOnce()) > 0);
    expect(receivedOf("a")).toEqual(["a:1:0", "a:1:0", "a:2:0", "a:2:1", "a:3:0"]);
    expect(rig.outbox.all()).toEqual([]);
    expect(rig.receiver.received.every((request) => request.verifyError === undefined)).toBe(true);
  });

  it("delivers different flows at the same time, one flow's deliveries one by one", async () => {
    const destination = webhookDestination(rig.hookUrl());
    for (const key of ["a", "b", "c", "d"])
      rig.outbox.add(fakeEvent(key, 1, { at: rig.clock }), destination);
    rig.receiver.answer(() => ({ status: 200, delayMs: 300 }));
    const started = performance.now();
    expect(await rig.deliverer({ concurrency: 4 }).runOnce()).toBe(4);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("does not deliver what another deliverer holds the lease of, until that lease runs out", async () => {
    const destination = webhookDestination(rig.hookUrl());
    rig.outbox.add(fakeEvent("a", 1, { at: rig.clock }), destination);
    const held = await rig.outbox.claimDeliveries({
      now: rig.clock,
      leaseMs: 60_000,
      limit: 10,
      token: "other",
    });
    expect(held).toHaveLength(1);
    const run = rig.deliverer();
    expect(await run.runOnce()).toBe(0);
    expect(rig.receiver.received).toEqual([]);
    rig.clock += 60_000;
    expect(await run.runOnce()).toBe(1);
    expect(rig.receiver.received).toHaveLength(1);
    // The other deliverer's late settlement is refused: its lease was taken over.
    expect(
      await rig.outbox.settleDelivery(held[0]?.key ?? "", "other", { state: "delivered" }),
    ).toBe(false);
  });

  it("delivers each event once when two deliverers share the outbox", async () => {
    const destination = webhookDestination(rig.hookUrl());
    for (const key of ["a", "b", "c"]) {
      for (const version of [1, 2])
        rig.outbox.add(fakeEvent(key, version, { at: rig.clock }), destination);
    }
    rig.receiver.answer(() => ({ status: 200, delayMs: 50 }));
    const [one, two] = [rig.deliverer({ batchSize: 1 }), rig.deliverer({ batchSize: 1 })];
    for (let round = 0; round < 6; round++) await Promise.all([one.runOnce(), two.runOnce()]);
    const ids = rig.receiver.received.map((request) => String(request.headers["webhook-id"]));
    expect(ids.toSorted()).toEqual(["a:1:0", "a:2:0", "b:1:0", "b:2:0", "c:1:0", "c:2:0"]);
    expect(new Set(rig.outbox.settled.map((entry) => entry.token)).size).toBe(2);
  });

  // Regression: an instance started without an endpoint killed the deliveries other
  // instances (with it) would have made.
  it("retries on the schedule a delivery whose destination this instance does not have, saying why; one of no known kind goes dead", async () => {
    const gone = rig.outbox.add(
      fakeEvent("a", 1, { at: rig.clock }),
      "webhook:https://gone.example/hooks",
    );
    const noHandler = rig.outbox.add(fakeEvent("b", 1, { at: rig.clock }), "handler:onComplete");
    const unknown = rig.outbox.add(fakeEvent("c", 1, { at: rig.clock }), "pigeon:coop");
    expect(await rig.deliverer().runOnce()).toBe(3);
    expect(rig.receiver.received).toEqual([]);
    const byKey = new Map(rig.outbox.all().map((delivery) => [delivery.key, delivery]));
    // The first retry, 5 s later with the jitter at its middle.
    expect(byKey.get(gone.key)).toMatchObject({
      state: "pending",
      attempts: 1,
      nextAttemptAt: rig.clock + 5_000,
      lastError: "no webhook endpoint is configured here for this URL",
    });
    expect(byKey.get(noHandler.key)).toMatchObject({
      state: "pending",
      attempts: 1,
      lastError: "no handler named onComplete is configured here",
    });
    expect(byKey.get(unknown.key)).toMatchObject({
      state: "dead",
      lastError: "unknown kind of destination",
    });
  });

  it("calls a handler destination with the event, retrying one that throws on the same schedule", async () => {
    const calls: FlowEvent[] = [];
    let fail = true;
    const onComplete = async (event: FlowEvent) => {
      calls.push(event);
      if (fail) throw new RangeError("personal detail that must not be recorded");
    };
    const event = fakeEvent("a", 4, { at: rig.clock, type: "flow.completed" });
    rig.outbox.add(event, handlerDestination("onComplete"));
    const run = rig.deliverer({ handlers: { onComplete } });
    await run.runOnce();
    expect(calls).toEqual([event]);
    expect(rig.outbox.all()).toMatchObject([
      { attempts: 1, lastError: "handler threw RangeError", nextAttemptAt: rig.clock + 5_000 },
    ]);
    fail = false;
    rig.clock += 5_000;
    await run.runOnce();
    expect(calls).toHaveLength(2);
    expect(rig.outbox.all()).toEqual([]);
  });

  // Regression: a flow's events went out one per poll, its next one due only once the
  // one before it was delivered.
  it("delivers a flow's events one after another without waiting a poll between them", async () => {
    const destination = webhookDestination(rig.hookUrl());
    for (const version of [1, 2, 3, 4]) {
      rig.outbox.add(fakeEvent("a", version, { at: rig.clock }), destination);
    }
    const run = rig.deliverer({ pollMs: 60_000 });
    run.start();
    // Within expect.poll's default second: far less than the 60 s poll.
    await expect.poll(() => rig.receiver.received.length).toBe(4);
    await run.stop();
    expect(rig.receiver.received.map((r) => r.headers["webhook-id"])).toEqual([
      "a:1:0",
      "a:2:0",
      "a:3:0",
      "a:4:0",
    ]);
  });

  it("keeps claiming while there is work, waits pollMs otherwise, and wakes early", async () => {
    const destination = webhookDestination(rig.hookUrl());
    for (const key of ["a", "b", "c", "d", "e"])
      rig.outbox.add(fakeEvent(key, 1, { at: rig.clock }), destination);
    const run = rig.deliverer({ batchSize: 2, pollMs: 60_000 });
    run.start();
    await expect.poll(() => rig.receiver.received.length).toBe(5);
    rig.outbox.add(fakeEvent("f", 1, { at: rig.clock }), destination);
    run.wake();
    await expect.poll(() => rig.receiver.received.length).toBe(6);
    await run.stop();
  });

  it("finishes the deliveries in flight when stopped", async () => {
    rig.outbox.add(fakeEvent("a", 1, { at: rig.clock }), webhookDestination(rig.hookUrl()));
    rig.receiver.answer(() => ({ status: 200, delayMs: 300 }));
    const run = rig.deliverer({ pollMs: 10 });
    run.start();
    await expect.poll(() => rig.receiver.received.length).toBe(1);
    await run.stop();
    expect(rig.outbox.all()).toEqual([]);
    expect(rig.outbox.settled).toHaveLength(1);
  });

  it("logs what it does without step data or the URL's path", async () => {
    const lines: [string, Record<string, unknown>, string][] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) =>
        lines.push(["info", fields, message]),
      warn: (fields: Record<string, unknown>, message: string) =>
        lines.push(["warn", fields, message]),
      error: (fields: Record<string, unknown>, message: string) =>
        lines.push(["error", fields, message]),
    };
    const url = `${rig.receiver.origin}/hooks/T0K3N-in-path?key=s3cret`;
    rig.outbox.add(fakeEvent("a", 1, { at: rig.clock }), webhookDestination(url));
    rig.receiver.answer(() => ({ status: 500 }));
    await rig.deliverer({ endpoints: [{ url, secret }], logger }).runOnce();
    expect(lines).toEqual([
      [
        "warn",
        {
          eventId: "a:1:0",
          type: "step.submitted",
          flow: "onboarding",
          destination: `webhook:${rig.receiver.origin}`,
          attempts: 1,
          error: "HTTP 500",
          nextAttemptAt: new Date(rig.clock + 5_000).toISOString(),
        },
        "delivery failed; will retry",
      ],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/T0K3N|s3cret|whsec_|\/email/);
  });

  it("refuses a store without an outbox, a lease within a timeout, a bad secret or a URL twice", () => {
    const endpoints = [{ url: "https://a.example/hooks", secret }];
    expect(() => createDeliverer({ store: {}, endpoints })).toThrow("this store keeps no outbox");
    expect(() =>
      rig.deliverer({
        endpoints: [{ url: "https://a.example/hooks", secret, timeoutMs: 60_000 }],
      }),
    ).toThrow("leaseMs (60000) must exceed the timeout of the webhook endpoint https://a.example…");
    expect(() =>
      rig.deliverer({ endpoints: [{ url: "https://a.example/x", secret: "whsec_!!" }] }),
    ).toThrow("is not whsec_ followed by 24 to 64 bytes in base64");
    expect(() => rig.deliverer({ endpoints: [...endpoints, ...endpoints] })).toThrow(
      "two webhook endpoints have the URL https://a.example…",
    );
    expect(() => rig.deliverer({ batchSize: 0 })).toThrow(
      "batchSize must be a positive whole number",
    );
  });
});
