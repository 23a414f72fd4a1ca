import { z } from "zod";
import { onboarding } from "../../examples/onboarding/flow.ts";
import type { WaymarkError } from "../../src/errors.ts";
import { defineFlow, defineStep } from "../../src/flow/define.ts";
import {
  createRecord,
  findStep,
  planSteps,
  type SubmitResult,
  submitStep,
} from "../../src/flow/engine.ts";
import type {
  FlowData,
  FlowDefinition,
  FlowRecord,
  StepDefinition,
  StepStatus,
} from "../../src/flow/types.ts";
import { companyDetails, contractorContract, employeeContract } from "./onboarding-data.ts";

/** Helpers for engine tests: a fixed clock, submissions by step reference, walks. */
export const now = new Date("2026-06-15T12:00:00Z");
export const hour = 3_600_000;
export const day = 24 * hour;

export const contractor = contractorContract;
export const employee = employeeContract;
export const company = companyDetails;

export type Accepted = Extract<SubmitResult, { ok: true }>;

export function later(ms: number, from: Date = now): Date {
  return new Date(from.getTime() + ms);
}

export function fresh(definition: FlowDefinition = onboarding): FlowRecord {
  return createRecord(definition, { id: "flow-1", now });
}

export async function submitTo(
  definition: FlowDefinition,
  record: FlowRecord,
  ref: string,
  input: unknown,
  at: Date = now,
): Promise<SubmitResult> {
  const step = findStep(definition, ref);
  if (!step) throw new Error(`no step "${ref}" in flow "${definition.name}"`);
  return submitStep(definition, record, step, input, at);
}

export function submit(record: FlowRecord, ref: string, input: unknown, at: Date = now) {
  return submitTo(onboarding, record, ref, input, at);
}

export function accepted(result: SubmitResult): Accepted {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}`);
  return result;
}

export function refused(result: SubmitResult): WaymarkError {
  if (result.ok) throw new Error("expected the submission to be refused");
  return result.error;
}

/** Submits each [ref, input] in turn, each of which must succeed; returns the last record. */
export async function walk(
  steps: ReadonlyArray<readonly [string, unknown]>,
  definition: FlowDefinition = onboarding,
): Promise<FlowRecord> {
  let current = fresh(definition);
  for (const [ref, input] of steps) {
    current = accepted(await submitTo(definition, current, ref, input)).record;
  }
  return current;
}

export function statuses(data: FlowData, definition: FlowDefinition = onboarding): StepStatus[] {
  return planSteps(definition, data).map((step) => step.status);
}

export function adHocFlow(...steps: StepDefinition[]): FlowDefinition {
  return defineFlow({ name: "ad-hoc", ttl: "1h", steps });
}

/**
 * A shop whose "seats" step's `check` depends on the "plan" step: at most 5 seats on
 * "free", 100 on "pro". Editing the plan can make saved seats fail, and reset that step.
 */
export const shop = (() => {
  const plan = defineStep({
    name: "plan",
    schema: z.strictObject({ tier: z.enum(["free", "pro"]) }),
  });
  const seats = defineStep({
    name: "seats",
    schema: z.strictObject({ count: z.int().min(1) }),
    check: ({ count }, { flow }) =>
      count <= (flow.plan?.tier === "pro" ? 100 : 5)
        ? []
        : [{ path: "/count", message: "Too many seats for this plan" }],
  });
  const notes = defineStep({ name: "notes", schema: z.strictObject({ text: z.string() }) });
  const confirm = defineStep({ name: "confirm", schema: z.strictObject({ ok: z.literal(true) }) });
  return adHocFlow(plan, seats, notes, confirm);
})();
