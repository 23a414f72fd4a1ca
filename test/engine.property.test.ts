import fc from "fast-check";
import { expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import type { ErrorCode } from "../src/errors.ts";
import {
  createRecord,
  currentStep,
  findStep,
  flowStatus,
  isExpired,
  planSteps,
  type SubmitResult,
  submitStep,
} from "../src/flow/engine.ts";
import type { DefinedStep, FlowRecord, StepStatus } from "../src/flow/types.ts";

const start = new Date("2026-06-15T12:00:00Z");
const day = 86_400_000;
const stepNames = onboarding.steps.map((step) => step.name);
const refs = [...onboarding.steps.map((step) => String(step.number)), ...stepNames];

/** Mostly valid payloads, with a share of invalid ones (bad field, missing or extra key). */
function payloads<T>(valid: fc.Arbitrary<T>, ...invalid: readonly unknown[]) {
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom(...invalid) },
  );
}

const validPerson = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  dateOfBirth: "1990-12-10",
};

const payloadFor = {
  "personal-info": payloads(
    fc.record({
      firstName: fc.constantFrom("Ada", " Grace ", "Émilie"),
      lastName: fc.constantFrom("Lovelace", "Hopper"),
      email: fc.constantFrom("ada@example.com", "grace@navy.example"),
      // 2008-06-16 turns 18 one day after `start`: refused at first, accepted later.
      dateOfBirth: fc.constantFrom("1990-12-10", "2008-06-15", "2008-06-16", "2012-01-01"),
    }),
    { ...validPerson, firstName: "a".repeat(101) },
    { ...validPerson, email: "not-an-email" },
    { ...validPerson, dateOfBirth: "1990-02-30" },
    { ...validPerson, nickname: "Ada" },
    { firstName: "Ada" },
  ),
  "contract-details": payloads(
    fc.record({
      contractType: fc.constantFrom("employee", "contractor"),
      startDate: fc.constantFrom("2026-07-01", "2026-09-01"),
      role: fc.constantFrom("Engineer", "Designer"),
    }),
    { contractType: "intern", startDate: "2026-07-01", role: "Engineer" },
    { contractType: "employee", startDate: "soon", role: "Engineer" },
    { contractType: "contractor", startDate: "2026-07-01", role: "" },
  ),
  "company-details": payloads(
    fc.record({
      companyName: fc.constantFrom("Analytical Engines Ltd", "Navy"),
      vatId: fc.constantFrom("GB123456789", "DE12"),
    }),
    { companyName: "Navy", vatId: "gb123" },
    { companyName: "Navy", vatId: "GB1234567890123" },
    { companyName: "", vatId: "GB123456789" },
  ),
  review: payloads(fc.constant({ acceptTerms: true }), { acceptTerms: false }, {}),
};

const junk = fc.constantFrom<unknown>(
  null,
  [],
  "text",
  42,
  JSON.parse('{"__proto__": {"polluted": true}}'),
);

/** `undefined` most of the time, a value from `arbitrary` one time in `oneIn`. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, oneIn: number) {
  return fc.oneof(
    { weight: oneIn - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary },
  );
}

const submission = fc.record({
  // "current" keeps flows moving forward often enough to reach completion; "again"
  // repeats the previous submission, so identical resubmissions are frequent.
  target: fc.oneof(
    { weight: 3, arbitrary: fc.constant("current") },
    { weight: 1, arbitrary: fc.constant("again") },
    { weight: 3, arbitrary: fc.constantFrom(...refs) },
  ),
  payloads: fc.record(payloadFor),
  /** Send another step's payload instead of the target's own. */
  foreign: rarely(fc.constantFrom(...stepNames), 6),
  junk: rarely(junk, 10),
  advanceMs: fc.oneof(
    { weight: 60, arbitrary: fc.integer({ min: 0, max: 2 * day }) },
    { weight: 1, arbitrary: fc.integer({ min: 6 * day, max: 8 * day }) },
  ),
});
type Submission = typeof submission extends fc.Arbitrary<infer T> ? T : never;

type Attempt = { step: DefinedStep; input: unknown };

/** The step and input a generated submission stands for, given the record and last attempt. */
function attemptFor(record: FlowRecord, last: Attempt | undefined, next: Submission): Attempt {
  if (next.target === "again" && last) return last;
  const ref = refs.includes(next.target)
    ? next.target
    : (currentStep(onboarding, record.data)?.name ?? "review");
  const step = findStep(onboarding, ref);
  if (!step) throw new Error(`no step "${ref}"`);
  const name = (next.foreign ?? step.name) as keyof typeof payloadFor;
  return { step, input: next.junk ?? next.payloads[name] };
}

/**
 * The onboarding plan written out by hand, independently of `planSteps`: company-details
 * applies to contractors only; the first applicable step without data is current.
 */
function expectedPlan(data: FlowRecord["data"]): StepStatus[] {
  const applies = [true, true, data["contract-details"]?.contractType === "contractor", true];
  let current = false;
  return onboarding.steps.map((step, index) => {
    if (!applies[index]) return "skipped";
    if (Object.hasOwn(data, step.name)) return "done";
    if (current) return "pending";
    current = true;
    return "current";
  });
}

/**
 * The refusal the rules call for, given the state before the submission. On a completed
 * flow that is `flow-completed`, unless the submission is an identical no-op.
 */
function expectedRefusal(record: FlowRecord, step: DefinedStep, at: Date): ErrorCode | undefined {
  if (isExpired(record, at)) return "flow-expired";
  const plan = expectedPlan(record.data);
  if (!plan.includes("current")) return "flow-completed";
  const status = plan[step.number - 1];
  if (status === "skipped") return "step-not-applicable";
  if (status === "pending") return "step-out-of-order";
  return undefined;
}

async function expectValidData(record: FlowRecord, at: Date): Promise<void> {
  for (const [name, saved] of Object.entries(record.data)) {
    const step = findStep(onboarding, name);
    expect(step, `data for an unknown step "${name}"`).toBeDefined();
    if (!step) continue;
    expect(step.when?.(record.data) ?? true, `data for inapplicable "${name}"`).toBe(true);
    const result = await step.schema["~standard"].validate(saved);
    expect(result.issues, `saved "${name}" fails its schema`).toBeUndefined();
    const { [name]: _, ...flow } = record.data;
    expect(
      step.check?.(saved, { now: at, flow, locale: "en" }) ?? [],
      `saved "${name}" fails its check`,
    ).toEqual([]);
  }
}

function expectCoherentPlan(record: FlowRecord): void {
  const statuses = planSteps(onboarding, record.data).map((step) => step.status);
  expect(statuses).toEqual(expectedPlan(record.data));
  const current = statuses.indexOf("current");
  expect(statuses.filter((status) => status === "current").length).toBeLessThanOrEqual(1);
  if (current === -1) {
    expect(flowStatus(onboarding, record.data)).toBe("completed");
    return;
  }
  for (const before of statuses.slice(0, current)) expect(["done", "skipped"]).toContain(before);
  // Stronger than the general rule, for onboarding only: the one step whose data can be
  // dropped (company-details) is followed only by review, and review done means completed.
  for (const after of statuses.slice(current + 1)) expect(["pending", "skipped"]).toContain(after);
}

/** What no write may change. */
function identity({ id, flow, definitionVersion, createdAt }: FlowRecord) {
  return { id, flow, definitionVersion, createdAt };
}

const seen = {
  changes: 0,
  noOps: 0,
  completedNoOps: 0,
  completions: 0,
  refusals: new Set<ErrorCode>(),
};

function expectTransition(
  before: FlowRecord,
  step: DefinedStep,
  at: Date,
  result: SubmitResult,
): void {
  const refusal = expectedRefusal(before, step, at);
  if (refusal === "flow-completed" && result.ok) {
    // A retried submission of a completed flow's saved data is answered as a no-op.
    seen.completedNoOps += 1;
    expect(result.changed).toBe(false);
    expect(result.record).toBe(before);
    return;
  }
  if (!result.ok) {
    seen.refusals.add(result.error.code);
    expect(result.error.code).toBe(refusal ?? "invalid-step-data");
    return;
  }
  expect(refusal).toBeUndefined();
  const after = result.record;
  if (result.changed) {
    seen.changes += 1;
    expect(after.version).toBe(before.version + 1);
    expect(after.updatedAt).toBe(at.getTime());
    expect(after.data[step.name]).toBeDefined();
  } else {
    seen.noOps += 1;
    expect(after).toBe(before);
  }
  if (result.completed) seen.completions += 1;
  expect(result.completed).toBe(
    result.changed && flowStatus(onboarding, after.data) === "completed",
  );
  expect(identity(after)).toEqual(identity(before));
  expect(after.expiresAt).toBe(after.updatedAt + onboarding.ttlMs);
}

it("keeps the engine's invariants over any sequence of submissions", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(submission, { minLength: 1, maxLength: 40, size: "medium" }),
      async (sequence) => {
        let record = createRecord(onboarding, { id: "flow-1", now: start });
        let at = start;
        let last: Attempt | undefined;
        for (const next of sequence) {
          at = new Date(at.getTime() + next.advanceMs);
          last = attemptFor(record, last, next);
          const { step, input } = last;
          const snapshot = structuredClone(record);
          const result = await submitStep(onboarding, record, step, input, at);

          expect(record, "the engine mutated the record it was given").toEqual(snapshot);
          // Pure: the same arguments give the same outcome.
          expect(await submitStep(onboarding, record, step, input, at)).toEqual(result);
          expectTransition(record, step, at, result);
          if (result.ok) record = result.record;
          await expectValidData(record, at);
          expectCoherentPlan(record);
        }
      },
    ),
    { numRuns: 200 },
  );
  // Guards against a vacuous run: every branch of the rules was exercised.
  expect(seen.changes).toBeGreaterThan(0);
  expect(seen.noOps).toBeGreaterThan(0);
  expect(seen.completions).toBeGreaterThan(0);
  expect(seen.completedNoOps).toBeGreaterThan(0);
  expect([...seen.refusals].sort()).toEqual([
    "flow-completed",
    "flow-expired",
    "invalid-step-data",
    "step-not-applicable",
    "step-out-of-order",
  ]);
});
