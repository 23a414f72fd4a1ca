import type { FlowRecord } from "../flow/types.ts";

/**
 * One hour in milliseconds.
 *
 * @example sampleRecord({ expiresAt: Date.now() + 2 * hour })
 */
export const hour = 3_600_000;

/**
 * A flow record as the engine would make it: a fresh random id, version 1, no data,
 * created now and expiring in an hour; `overrides` replace any of its fields. For tests
 * of a store that need records to put in it.
 *
 * @example
 * const record = sampleRecord({ data: { "personal-info": { firstName: "Ada" } } });
 * await store.create(record);
 * expect(await store.load(record.id)).toEqual(record);
 */
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
