import { describe, expect, it } from "vitest";
import { defineFlow, planSteps } from "waymark";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { showPlan } from "../src/flow/undecided.ts";

const statuses = (
  definition: Parameters<typeof planSteps>[0],
  data: Parameters<typeof planSteps>[1],
) => showPlan(definition, planSteps(definition, data), data).map((step) => step.status);

const personal = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  dateOfBirth: "1990-12-10",
};
const contract = (contractType: string) => ({
  contractType,
  startDate: "2027-01-04",
  role: "Engineer",
});

// Guards the wizard's progress: a step whose `when` waits on an answer not given is not "skipped".
describe("undecided steps", () => {
  it("a step whose when reads a step not done yet is undecided, then decided by the answer", () => {
    expect(statuses(onboarding, {})).toEqual(["current", "pending", "undecided", "pending"]);
    expect(statuses(onboarding, { "personal-info": personal })).toEqual([
      "done",
      "current",
      "undecided",
      "pending",
    ]);
    const employee = { "personal-info": personal, "contract-details": contract("employee") };
    expect(statuses(onboarding, employee)).toEqual(["done", "done", "skipped", "current"]);
    const contractor = { "personal-info": personal, "contract-details": contract("contractor") };
    expect(statuses(onboarding, contractor)).toEqual(["done", "done", "current", "pending"]);
  });

  const schema = z.strictObject({ answer: z.string() });
  const flow = defineFlow({ name: "branches", ttl: "1d" })
    .step({ name: "a", schema })
    .step({ name: "b", schema })
    // Applies today (true while "a" is unanswered), but "a" can still turn it off.
    .step({ name: "c", schema, when: (data) => data.a?.answer !== "no" })
    // Decided by "a" alone.
    .step({ name: "d", schema, when: (data) => "a" in data && data.a?.answer === "yes" })
    // Lists every step's data: waits on every step not settled.
    .step({ name: "e", schema, when: (data) => Object.keys(data).length > 5 })
    .step({ name: "f", schema });

  it("counts reads by key, by `in` and by listing the keys, whatever when answers today", () => {
    expect(statuses(flow, {})).toEqual([
      "current",
      "pending",
      "undecided",
      "undecided",
      "undecided",
      "pending",
    ]);
    const a = { a: { answer: "no" } };
    expect(statuses(flow, a)).toEqual([
      "done",
      "current",
      "skipped",
      "skipped",
      "undecided",
      "pending",
    ]);
  });

  it("a completed flow has nothing undecided, and steps before the current one keep their status", () => {
    const all = { a: { answer: "no" }, b: { answer: "x" }, f: { answer: "x" } };
    expect(statuses(flow, all)).toEqual(["done", "done", "skipped", "skipped", "skipped", "done"]);
  });
});
