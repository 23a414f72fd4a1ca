import { describe, expect, it } from "vitest";
import { GIVE_UP_AFTER_MS, webhookDestination } from "../src/delivery/index.ts";
import { useDeliveryRig } from "./support/delivery-rig.ts";
import { fakeEvent } from "./support/fake-outbox.ts";
import { newSecret, startWebhookReceiver } from "./support/webhook-receiver.ts";

const secret = newSecret();
const rig = useDeliveryRig(secret);

describe("webhook deliveries", () => {
  it("POSTs the event signed per Standard Webhooks, with no step values, and removes it", async () => {
    const event = fakeEvent("f1", 2, {
      at: rig.clock - 1000,
      step: "personal-info",
      fields: ["/email"],
    });
    rig.outbox.add(event, webhookDestination(rig.hookUrl()));
    expect(await rig.deliverer().runOnce()).toBe(1);

    expect(rig.receiver.received).toHaveLength(1);
    const [request] = rig.receiver.received;
    expect(request?.verifyError).toBeUndefined();
    expect(request).toMatchObject({ method: "POST", path: "/hooks" });
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["webhook-id"]).toBe("f1:2:0");
    expect(request?.headers["webhook-timestamp"]).toBe(String(Math.floor(rig.clock / 1000)));
    expect(request?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request?.payload).toEqual({
      type: "step.submitted",
      timestamp: new Date(event.at).toISOString(),
      data: {
        id: "f1:2:0",
        flow: "onboarding",
        flowId: "f1",
        definitionVersion: 1,
        version: 2,
        step: "personal-info",
        fields: ["/email"],
      },
    });
    expect(rig.outbox.all()).toEqual([]);
  });

  it("retries a receiver answering 500 on the documented schedule, then delivers with the same id", async () => {
    const randoms = [0, 0.5, 0.99];
    const run = rig.deliverer({ random: () => randoms.shift() ?? 0.5 });
    rig.receiver.answer((_request, count) => ({ status: count <= 3 ? 500 : 200 }));
    const createdAt = rig.clock;
    rig.outbox.add(fakeEvent("f1", 1, { at: createdAt }), webhookDestination(rig.hookUrl()));

    const nextAttempts: number[] = [];
    // Failure n waits 5 s × 2^(n−1) times the jitter factor 0.8 + 0.4 × random.
    const expectedWaits = [5_000 * 0.8, 10_000 * 1.0, Math.round(20_000 * 1.196)];
    for (const wait of expectedWaits) {
      expect(await run.runOnce()).toBe(1);
      const [delivery] = rig.outbox.all();
      expect(delivery).toMatchObject({ attempts: nextAttempts.length + 1, lastError: "HTTP 500" });
      expect(delivery?.nextAttemptAt).toBe(rig.clock + wait);
      nextAttempts.push(delivery?.nextAttemptAt ?? 0);
      // Not due a millisecond early.
      rig.clock = (delivery?.nextAttemptAt ?? 0) - 1;
      expect(await run.runOnce()).toBe(0);
      rig.clock += 1;
    }
    expect(nextAttempts).toEqual([createdAt + 4_000, createdAt + 14_000, createdAt + 37_920]);
    expect(await run.runOnce()).toBe(1);
    expect(rig.outbox.all()).toEqual([]);

    expect(rig.receiver.received.map((request) => request.verifyError)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(new Set(rig.receiver.received.map((request) => request.headers["webhook-id"]))).toEqual(
      new Set(["f1:1:0"]),
    );
    // Each attempt is signed at its own time.
    expect(
      rig.receiver.received.map((request) => Number(request.headers["webhook-timestamp"])),
    ).toEqual([createdAt, ...nextAttempts].map((at) => Math.floor(at / 1000)));
  });

  it("does not follow a redirect: a 3xx is a failure", async () => {
    rig.receiver.answer((request) =>
      request.path === "/hooks"
        ? { status: 302, headers: { location: `${rig.receiver.origin}/elsewhere` } }
        : { status: 200 },
    );
    rig.outbox.add(fakeEvent("f1", 1, { at: rig.clock }), webhookDestination(rig.hookUrl()));
    await rig.deliverer().runOnce();
    expect(rig.receiver.received.map((request) => request.path)).toEqual(["/hooks"]);
    expect(rig.outbox.all()).toMatchObject([
      { state: "pending", attempts: 1, lastError: "HTTP 302" },
    ]);
  });

  it("counts an answer slower than the endpoint's timeout as a failure", async () => {
    rig.receiver.answer(() => ({ status: 200, delayMs: 5_000 }));
    rig.outbox.add(fakeEvent("f1", 1, { at: rig.clock }), webhookDestination(rig.hookUrl()));
    const started = performance.now();
    await rig.deliverer({ endpoints: [{ url: rig.hookUrl(), secret, timeoutMs: 200 }] }).runOnce();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(rig.outbox.all()).toMatchObject([
      {
        state: "pending",
        attempts: 1,
        lastError: "TimeoutError",
        nextAttemptAt: rig.clock + 5_000,
      },
    ]);
  });

  it("records a refused connection by its error name, never a response body", async () => {
    const url = `${rig.receiver.origin}/hooks`;
    await rig.receiver.close();
    rig.outbox.add(fakeEvent("f1", 1, { at: rig.clock }), webhookDestination(url));
    await rig.deliverer({ endpoints: [{ url, secret }] }).runOnce();
    expect(rig.outbox.all()[0]?.lastError).toBe("TypeError (ECONNREFUSED)");
    rig.receiver = await startWebhookReceiver(secret);
  });

  it("never records the receiver's answer", async () => {
    rig.receiver.answer(() => ({ status: 400 }));
    rig.outbox.add(fakeEvent("f1", 1, { at: rig.clock }), webhookDestination(rig.hookUrl()));
    await rig.deliverer().runOnce();
    expect(rig.outbox.all()[0]?.lastError).toBe("HTTP 400");
  });

  it("gives up once the next attempt would fall more than 3 days after the delivery entered the outbox", async () => {
    rig.receiver.answer(() => ({ status: 503 }));
    const destination = webhookDestination(rig.hookUrl());
    // The 11th failure waits 5 s × 2^10 = 85 min 20 s: past the 3 days for the first,
    // within them for the second.
    const late = rig.outbox.add(fakeEvent("f1", 1, { at: rig.clock }), destination, {
      attempts: 10,
      createdAt: rig.clock - GIVE_UP_AFTER_MS + 60_000,
    });
    const inTime = rig.outbox.add(fakeEvent("f2", 1, { at: rig.clock }), destination, {
      attempts: 10,
      createdAt: rig.clock - GIVE_UP_AFTER_MS + 5_120_000,
    });
    await rig.deliverer().runOnce();
    expect(rig.receiver.received.every((request) => request.verifyError === undefined)).toBe(true);
    const byKey = new Map(rig.outbox.all().map((delivery) => [delivery.key, delivery]));
    expect(byKey.get(late.key)).toMatchObject({
      state: "dead",
      attempts: 11,
      lastError: "HTTP 503",
    });
    expect(byKey.get(inTime.key)).toMatchObject({
      state: "pending",
      attempts: 11,
      nextAttemptAt: rig.clock + 5_120_000,
    });
    // A dead delivery is not claimed again.
    expect(await rig.deliverer().runOnce()).toBe(0);
    expect(rig.receiver.received).toHaveLength(2);
  });
});
