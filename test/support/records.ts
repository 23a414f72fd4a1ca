import type { FlowRecord } from "../../src/flow/types.ts";

/** One hour in milliseconds. */
export const hour = 3_600_000;

/** A record as the engine would make it, with overrides. */
export function sampleRecord(overrides: Partial<FlowRecord> = {}): FlowRecord {
  // Real time: a store may expire records by its own clock (Redis does).
  const at = Date.now();
  return {
    id: crypto.randomUUID(),
    flow: "onboarding",
    definitionVersion: 1,
    version: 1,
    data: {},
    createdAt: at,
    updatedAt: at,
    expiresAt: at + hour,
    ...overrides,
  };
}
