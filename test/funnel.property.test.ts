import fc from "fast-check";
import { expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import type { FunnelReport } from "../src/contract/funnel.ts";
import { WaymarkError } from "../src/errors.ts";
import { currentStep, flowStatus } from "../src/flow/engine.ts";
import { createFlowService } from "../src/service/flows.ts";
import { computeFunnel } from "../src/service/funnel.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";

const start = new Date("2026-06-15T12:00:00Z").getTime();

/** What a user may send to each step: valid data, or data refused with a 422. */
const payloads: Record<string, readonly unknown[]> = {
  "1": [personalInfo, { ...personalInfo, email: "nope" }, { ...personalInfo, nickname: "x" }],
  "2": [employeeContract, contractorContract, { ...employeeContract, role: "" }],
  "3": [companyDetails, { ...companyDetails, vatId: "gb1" }],
  "4": [review, { acceptTerms: false }],
};

const action = fc.record({
  // Mostly the next step in order, sometimes any step (back, edit, out of order).
  step: fc.oneof(
    { weight: 3, arbitrary: fc.constant("next") },
    { weight: 1, arbitrary: fc.constantFrom("1", "2", "3", "4") },
  ),
  choice: fc.nat({ max: 2 }),
  afterMs: fc.integer({ min: 0, max: 3_600_000 }),
});

const flows = fc.array(fc.array(action, { maxLength: 8 }), { minLength: 1, maxLength: 6 });

it("keeps the funnel's invariants for any flows, whatever their users send", async () => {
  await fc.assert(
    fc.asyncProperty(flows, fc.integer({ min: 1, max: 4 }), async (scripts, batchSize) => {
      const store = createMemoryStore();
      const service = createFlowService({ flows: [onboarding], store });
      let refused = 0;
      for (const [offset, script] of scripts.entries()) {
        let at = start + offset * 60_000;
        const { flowId } = await service.start("onboarding", { now: new Date(at) });
        for (const { step, choice, afterMs } of script) {
          at += afterMs;
          const record = await store.load(flowId);
          const next = String(record ? (currentStep(onboarding, record.data)?.number ?? 4) : 4);
          const ref = step === "next" ? next : step;
          const options = payloads[ref] ?? [];
          const body = options[choice % options.length];
          try {
            await service.submit("onboarding", flowId, ref, body, { now: new Date(at) });
          } catch (error) {
            if (!(error instanceof WaymarkError)) throw error;
            if (error.code === "invalid-step-data") refused += 1;
          }
        }
      }
      const report = await computeFunnel({
        store,
        registry: service.registry,
        flow: "onboarding",
        since: start,
        until: start + 86_400_000,
        batchSize,
      });
      const completedFlows = (await store.scanRecords?.(undefined, 100))?.records.filter(
        (record) => flowStatus(onboarding, record.data) === "completed",
      ).length;
      expectInvariants(report, scripts.length, completedFlows ?? -1);
      const failed = report.versions
        .flatMap((version) => version.steps)
        .flatMap((step) => step.failedFields);
      // Every 422 here names one field, or one unknown key.
      expect(failed.reduce((sum, { count }) => sum + count, 0)).toBe(refused);
    }),
    { numRuns: 60 },
  );
});

function expectInvariants(report: FunnelReport, started: number, completedFlows: number): void {
  const [version, ...others] = report.versions;
  expect(others).toEqual([]);
  if (!version) throw new Error("no version counted");
  expect(version.started).toBe(started);
  expect(version.completed).toBe(completedFlows);
  expect(version.completionRate).toBeCloseTo(completedFlows / started);
  // Every flow in progress stops at exactly one step.
  const stopped = version.steps.reduce((sum, step) => sum + step.stopped, 0);
  expect(stopped + version.completed).toBe(started);
  // Step 1 applies to every flow: each one reached it.
  expect(version.steps[0]?.reached).toBe(started);
  version.steps.forEach((step, index) => {
    expect(step.reached).toBeLessThanOrEqual(started);
    expect(step.completed).toBeLessThanOrEqual(step.reached);
    expect(step.stopped).toBeLessThanOrEqual(step.reached);
    expect(step.skipped).toBeLessThanOrEqual(started);
    const previous = version.steps[index - 1];
    if (previous) {
      expect(step.reached).toBeLessThanOrEqual(previous.completed + previous.skipped);
    }
    const { median, p90 } = step.timeMs;
    expect(median === null).toBe(p90 === null);
    if (median !== null && p90 !== null) {
      expect(median).toBeGreaterThanOrEqual(0);
      expect(median).toBeLessThanOrEqual(p90);
    }
    if (step.completed === 0) expect(median).toBeNull();
  });
}
