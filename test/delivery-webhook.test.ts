import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createDeliverer,
  type DelivererOptions,
  GIVE_UP_AFTER_MS,
  webhookDestination,
} from "../src/delivery/index.ts";
import { createFakeOutbox, type FakeOutbox, fakeEvent } from "./support/fake-outbox.ts";
import {
  newSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./support/webhook-receiver.ts";

const secret = newSecret();
let receiver: WebhookReceiver;
let outbox: FakeOutbox;
let clock: number;

beforeEach(async () => {
  receiver = await startWebhookReceiver(secret);
  // Near the real time: the receiver's verify() refuses timestamps 5 minutes off.
  clock = Date.now();
  outbox = createFakeOutbox(() => clock);
});
afterEach(() => receiver.close());

function hookUrl(): string {
  return `${receiver.origin}/hooks`;
}

function deliverer(options: Partial<DelivererOptions> = {}) {
  return createDeliverer({
    store: outbox,
    endpoints: [{ url: hookUrl(), secret }],
    now: () => clock,
    random: () => 0.5,
    ...options,
  });
}

describe("webhook deliveries", () => {
  it("POSTs the event signed per Standard Webhooks, with no step values, and removes it", async () => {
    const event = fakeEvent("f1", 2, {
      at: clock - 1000,
      step: "personal-info",
      fields: ["/email"],
    });
    outbox.add(event, webhookDestination(hookUrl()));
    expect(await deliverer().runOnce()).toBe(1);

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request?.verifyError).toBeUndefined();
    expect(request).toMatchObject({ method: "POST", path: "/hooks" });
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["webhook-id"]).toBe("f1:2:0");
    expect(request?.headers["webhook-timestamp"]).toBe(String(Math.floor(clock / 1000)));
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
    expect(outbox.all()).toEqual([]);
  });

  it("retries a receiver answering 500 on the documented schedule, then delivers with the same id", async () => {
    const randoms = [0, 0.5, 0.99];
    const run = deliverer({ random: () => randoms.shift() ?? 0.5 });
    receiver.answer((_request, count) => ({ status: count <= 3 ? 500 : 200 }));
    const createdAt = clock;
    outbox.add(fakeEvent("f1", 1, { at: createdAt }), webhookDestination(hookUrl()));

    const nextAttempts: number[] = [];
    // Failure n waits 5 s × 2^(n−1) times the jitter factor 0.8 + 0.4 × random.
    const expectedWaits = [5_000 * 0.8, 10_000 * 1.0, Math.round(20_000 * 1.196)];
    for (const wait of expectedWaits) {
      expect(await run.runOnce()).toBe(1);
      const [delivery] = outbox.all();
      expect(delivery).toMatchObject({ attempts: nextAttempts.length + 1, lastError: "HTTP 500" });
      expect(delivery?.nextAttemptAt).toBe(clock + wait);
      nextAttempts.push(delivery?.nextAttemptAt ?? 0);
      // Not due a millisecond early.
      clock = (delivery?.nextAttemptAt ?? 0) - 1;
      expect(await run.runOnce()).toBe(0);
      clock += 1;
    }
    expect(nextAttempts).toEqual([createdAt + 4_000, createdAt + 14_000, createdAt + 37_920]);
    expect(await run.runOnce()).toBe(1);
    expect(outbox.all()).toEqual([]);

    expect(receiver.received.map((request) => request.verifyError)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(new Set(receiver.received.map((request) => request.headers["webhook-id"]))).toEqual(
      new Set(["f1:1:0"]),
    );
    // Each attempt is signed at its own time.
    expect(
      receiver.received.map((request) => Number(request.headers["webhook-timestamp"])),
    ).toEqual([createdAt, ...nextAttempts].map((at) => Math.floor(at / 1000)));
  });

  it("does not follow a redirect: a 3xx is a failure", async () => {
    receiver.answer((request) =>
      request.path === "/hooks"
        ? { status: 302, headers: { location: `${receiver.origin}/elsewhere` } }
        : { status: 200 },
    );
    outbox.add(fakeEvent("f1", 1, { at: clock }), webhookDestination(hookUrl()));
    await deliverer().runOnce();
    expect(receiver.received.map((request) => request.path)).toEqual(["/hooks"]);
    expect(outbox.all()).toMatchObject([{ state: "pending", attempts: 1, lastError: "HTTP 302" }]);
  });

  it("counts an answer slower than the endpoint's timeout as a failure", async () => {
    receiver.answer(() => ({ status: 200, delayMs: 5_000 }));
    outbox.add(fakeEvent("f1", 1, { at: clock }), webhookDestination(hookUrl()));
    const started = performance.now();
    await deliverer({ endpoints: [{ url: hookUrl(), secret, timeoutMs: 200 }] }).runOnce();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(outbox.all()).toMatchObject([
      { state: "pending", attempts: 1, lastError: "TimeoutError", nextAttemptAt: clock + 5_000 },
    ]);
  });

  it("records a refused connection by its error name, never a response body", async () => {
    const url = `${receiver.origin}/hooks`;
    await receiver.close();
    outbox.add(fakeEvent("f1", 1, { at: clock }), webhookDestination(url));
    await deliverer({ endpoints: [{ url, secret }] }).runOnce();
    expect(outbox.all()[0]?.lastError).toBe("TypeError (ECONNREFUSED)");
    receiver = await startWebhookReceiver(secret);
  });

  it("never records the receiver's answer", async () => {
    receiver.answer(() => ({ status: 400 }));
    outbox.add(fakeEvent("f1", 1, { at: clock }), webhookDestination(hookUrl()));
    await deliverer().runOnce();
    expect(outbox.all()[0]?.lastError).toBe("HTTP 400");
  });

  it("gives up once the next attempt would fall more than 3 days after the delivery entered the outbox", async () => {
    receiver.answer(() => ({ status: 503 }));
    const destination = webhookDestination(hookUrl());
    // The 11th failure waits 5 s × 2^10 = 85 min 20 s: past the 3 days for the first,
    // within them for the second.
    const late = outbox.add(fakeEvent("f1", 1, { at: clock }), destination, {
      attempts: 10,
      createdAt: clock - GIVE_UP_AFTER_MS + 60_000,
    });
    const inTime = outbox.add(fakeEvent("f2", 1, { at: clock }), destination, {
      attempts: 10,
      createdAt: clock - GIVE_UP_AFTER_MS + 5_120_000,
    });
    await deliverer().runOnce();
    expect(receiver.received.every((request) => request.verifyError === undefined)).toBe(true);
    const byKey = new Map(outbox.all().map((delivery) => [delivery.key, delivery]));
    expect(byKey.get(late.key)).toMatchObject({
      state: "dead",
      attempts: 11,
      lastError: "HTTP 503",
    });
    expect(byKey.get(inTime.key)).toMatchObject({
      state: "pending",
      attempts: 11,
      nextAttemptAt: clock + 5_120_000,
    });
    // A dead delivery is not claimed again.
    expect(await deliverer().runOnce()).toBe(0);
    expect(receiver.received).toHaveLength(2);
  });
});
