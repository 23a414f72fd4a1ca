import { afterEach, beforeEach } from "vitest";
import {
  createDeliverer,
  type Deliverer,
  type DelivererOptions,
} from "../../src/delivery/index.ts";
import { createFakeOutbox, type FakeOutbox } from "./fake-outbox.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

/** What each deliverer test gets afresh: a real receiver, a fake outbox, a clock it moves. */
export interface DeliveryRig {
  receiver: WebhookReceiver;
  outbox: FakeOutbox;
  /** Epoch milliseconds the deliverer and the outbox read. */
  clock: number;
  /** The receiver's address for webhooks. */
  hookUrl(): string;
  /** A deliverer on the outbox, sending to the receiver with `secret`, jitter fixed at 1. */
  deliverer(options?: Partial<DelivererOptions>): Deliverer;
}

/**
 * Registers, for the test file, a fresh receiver (verifying with `secret`) and fake
 * outbox before each test, and closes the receiver after it.
 */
export function useDeliveryRig(secret: string): DeliveryRig {
  const rig = {
    clock: 0,
    hookUrl: () => `${rig.receiver.origin}/hooks`,
    deliverer: (options: Partial<DelivererOptions> = {}) =>
      createDeliverer({
        store: rig.outbox,
        endpoints: [{ url: rig.hookUrl(), secret }],
        now: () => rig.clock,
        random: () => 0.5,
        ...options,
      }),
  } as DeliveryRig;
  beforeEach(async () => {
    rig.receiver = await startWebhookReceiver(secret);
    // Near the real time: the receiver's verify() refuses timestamps 5 minutes off.
    rig.clock = Date.now();
    rig.outbox = createFakeOutbox(() => rig.clock);
  });
  afterEach(() => rig.receiver.close());
  return rig;
}
