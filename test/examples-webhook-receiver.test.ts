import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createReceiver, type WaymarkWebhook } from "../examples/webhooks/receiver.ts";
import { sendWebhook } from "../src/delivery/webhook.ts";
import { sealEvents } from "../src/flow/events.ts";
import { sampleRecord } from "./support/records.ts";

const secret = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;

describe("the README's webhook receiver (examples/webhooks/receiver.ts)", () => {
  it("handles a signed event once however often it comes, and answers 401 to a forged or unsigned one", async () => {
    const handled: WaymarkWebhook[] = [];
    const server = createReceiver(secret, async (event) => {
      handled.push(event);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    try {
      const record = { ...sampleRecord(), version: 4 };
      const [event] = sealEvents(record, [{ type: "flow.completed" }], new Date());
      if (!event) throw new Error("no event");
      const send = (key: string) => sendWebhook({ url, secret: key }, event, Date.now(), fetch);
      expect(await send(secret)).toEqual({ ok: true });
      expect(await send(secret)).toEqual({ ok: true });
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatchObject({
        type: "flow.completed",
        data: { id: event.id, flowId: record.id },
      });

      const forged = await send(`whsec_${Buffer.alloc(32, 4).toString("base64")}`);
      expect(forged).toEqual({ ok: false, error: "HTTP 401" });
      const unsigned = await fetch(url, {
        method: "POST",
        body: JSON.stringify({ type: "flow.completed" }),
      });
      expect(unsigned.status).toBe(401);
      expect(handled).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});
