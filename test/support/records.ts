import { expect } from "vitest";
import { sealEvents } from "../../src/flow/events.ts";
import type { FlowRecord } from "../../src/flow/types.ts";
import type { FlowStore } from "../../src/store/types.ts";

export { hour, sampleRecord } from "../../src/testing/records.ts";

/**
 * Saves version 2 of `record` (stored at version 1) with an event and its delivery, as a
 * store just upgraded to the event log must, and checks both are there.
 */
export async function expectEffectsSaved(store: FlowStore, record: FlowRecord): Promise<void> {
  const next = { ...record, version: 2 };
  const events = sealEvents(next, [{ type: "step.submitted", step: "review" }], new Date());
  const deliveries = [{ eventId: `${record.id}:2:0`, destination: "handler:onComplete" }];
  expect(await store.save(next, 1, { events, deliveries })).toBe(true);
  expect(await store.readEvents?.(record.id)).toEqual(events);
  const page = await store.listDeliveries?.({ state: "pending", limit: 10 });
  expect(page?.deliveries.map((delivery) => delivery.event)).toEqual(events);
}
