import { afterAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster, stopEverything, track } from "./support/cluster.ts";
import { employeeContract, jsonRequest, personalInfo, review } from "./support/onboarding-data.ts";
import { startPostgres, startRedis, type TestServer } from "./support/servers.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

afterAll(stopEverything);

const backends: Array<[string, () => Promise<TestServer>]> = [
  ["PostgreSQL", startPostgres],
  ["Redis", () => startRedis({ persistent: true })],
];

const secret = `whsec_${Buffer.from("waymark scale webhooks secret, 32B").toString("base64")}`;
const flows = 20;
/** The receiver takes this long to answer, so deliveries are in flight when an instance dies. */
const answerMs = 250;
const leaseMs = 3_000;

interface Payload {
  type: string;
  data: { id: string; flowId: string; version: number };
}

/** Walks one onboarding to completion through nginx; its flow id. */
async function complete(url: string): Promise<string> {
  const created = await fetch(`${url}/onboarding`, { method: "POST" });
  expect(created.status).toBe(201);
  const { flowId } = (await created.json()) as { flowId: string };
  for (const [step, data] of [
    ["1", personalInfo],
    ["2", employeeContract],
    ["4", review],
  ] as const) {
    const response = await fetch(
      `${url}/onboarding/${flowId}/step/${step}`,
      jsonRequest("PUT", data),
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  return flowId;
}

async function until(what: string, done: () => boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(backends)(
  "webhooks from three instances on %s, one killed mid-delivery",
  (name, start) => {
    it("deliver every flow.completed at least once, signed, in order per flow, duplicates only under the same webhook-id", async () => {
      const store = track(await start());
      const receiver: WebhookReceiver = await startWebhookReceiver(secret);
      let cluster: Cluster | undefined;
      try {
        receiver.answer(() => ({ status: 204, delayMs: answerMs }));
        cluster = await startCluster({
          store: store.url,
          env: {
            WAYMARK_WEBHOOK_URL: `${receiver.origin}/hooks`,
            WAYMARK_WEBHOOK_SECRET: secret,
            WAYMARK_WEBHOOK_TIMEOUT_MS: "1000",
            WAYMARK_DELIVERY_LEASE_MS: String(leaseMs),
          },
        });
        const url = cluster.url;
        const flowIds: string[] = [];
        for (let batch = 0; batch < flows / 5; batch++) {
          flowIds.push(...(await Promise.all(Array.from({ length: 5 }, () => complete(url)))));
        }

        // Mid-run: some events delivered, many still leased or queued behind them.
        await until("the first deliveries", () => receiver.received.length >= 20, 20_000);
        const killedAt = receiver.received.length;
        const victim = cluster.instances[0];
        await victim?.stop("SIGKILL");

        const payloads = () => receiver.received.map((r) => r.payload as Payload | undefined);
        const completedFor = () =>
          new Set(
            payloads()
              .filter((p) => p?.type === "flow.completed")
              .map((p) => p?.data.flowId),
          );
        await until(
          "every flow.completed",
          () => flowIds.every((id) => completedFor().has(id)),
          60_000,
        );

        const unsigned = receiver.received.filter((r) => r.verifyError !== undefined);
        expect(unsigned).toEqual([]);
        // Each webhook-id always carries the same event; a duplicate is a repeat of one.
        const byId = new Map<string, string>();
        for (const r of receiver.received) {
          const id = String(r.headers["webhook-id"]);
          const payload = r.payload as Payload;
          expect(payload.data.id).toBe(id);
          const seen = byId.get(id);
          if (seen !== undefined) expect(JSON.stringify(payload)).toBe(seen);
          byId.set(id, JSON.stringify(payload));
        }
        // One flow.completed event per flow, whatever was delivered twice.
        for (const flowId of flowIds) {
          const completed = payloads().filter(
            (p) => p?.type === "flow.completed" && p.data.flowId === flowId,
          );
          expect(new Set(completed.map((p) => p?.data.id)).size).toBe(1);
          // In order per flow: each event first arrives after every earlier one.
          const firsts: Array<[number, number]> = [];
          const seen = new Set<string>();
          for (const p of payloads()) {
            if (p?.data.flowId !== flowId || seen.has(p.data.id)) continue;
            seen.add(p.data.id);
            // The id is `{flowId}:{version}:{index}`.
            firsts.push([p.data.version, Number(p.data.id.split(":").at(-1))]);
          }
          const sorted = [...firsts].sort(([a, i], [b, j]) => a - b || i - j);
          expect(firsts).toEqual(sorted);
          expect(firsts).toHaveLength(6);
        }
        const duplicates = receiver.received.length - byId.size;
        console.log(
          `scale, webhooks, ${name}: ${flows} flows, ${byId.size} events delivered in ${receiver.received.length} requests ` +
            `(${duplicates} repeated after the kill), instance killed after ${killedAt} requests, lease ${leaseMs} ms`,
        );
      } finally {
        await cluster?.close();
        await receiver.close();
        await store.destroy();
      }
    }, 120_000);
  },
);
