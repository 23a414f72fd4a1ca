import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import type { WaymarkError } from "../src/errors.ts";
import { defineFlow, defineStep, parseDuration } from "../src/flow/define.ts";
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
import { createRegistry } from "../src/flow/registry.ts";
import type {
  FlowData,
  FlowDefinition,
  FlowDefinitionInput,
  FlowRecord,
  StepDefinition,
  StepStatus,
} from "../src/flow/types.ts";
import {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "./support/onboarding-data.ts";

const now = new Date("2026-06-15T12:00:00Z");
const hour = 3_600_000;
const day = 24 * hour;

const contractor = contractorContract;
const employee = employeeContract;
const company = companyDetails;

type Accepted = Extract<SubmitResult, { ok: true }>;

function later(ms: number, from: Date = now): Date {
  return new Date(from.getTime() + ms);
}

function fresh(definition: FlowDefinition = onboarding): FlowRecord {
  return createRecord(definition, { id: "flow-1", now });
}

async function submitTo(
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

function submit(record: FlowRecord, ref: string, input: unknown, at: Date = now) {
  return submitTo(onboarding, record, ref, input, at);
}

function accepted(result: SubmitResult): Accepted {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}`);
  return result;
}

function refused(result: SubmitResult): WaymarkError {
  if (result.ok) throw new Error("expected the submission to be refused");
  return result.error;
}

/** Submits each [ref, input] in turn, each of which must succeed; returns the last record. */
async function walk(
  steps: ReadonlyArray<readonly [string, unknown]>,
  definition: FlowDefinition = onboarding,
): Promise<FlowRecord> {
  let current = fresh(definition);
  for (const [ref, input] of steps) {
    current = accepted(await submitTo(definition, current, ref, input)).record;
  }
  return current;
}

function statuses(data: FlowData, definition: FlowDefinition = onboarding): StepStatus[] {
  return planSteps(definition, data).map((step) => step.status);
}

function adHocFlow(...steps: StepDefinition[]): FlowDefinition {
  return defineFlow({ name: "ad-hoc", ttl: "1h", steps });
}

describe("findStep", () => {
  it.each([
    ["1", "personal-info"],
    ["2", "contract-details"],
    ["3", "company-details"],
    ["4", "review"],
  ])("finds step %s by its number", (ref, name) => {
    expect(findStep(onboarding, ref)?.name).toBe(name);
  });

  it.each(["personal-info", "contract-details", "company-details", "review"])(
    "finds %s by its name",
    (name) => {
      expect(findStep(onboarding, name)?.name).toBe(name);
    },
  );

  it.each(["0", "5", "01", "-1", "1.0", " 1", "", "Review", "nope", "__proto__", "constructor"])(
    "finds no step for %j",
    (ref) => {
      expect(findStep(onboarding, ref)).toBeUndefined();
    },
  );
});

describe("createRecord", () => {
  it("starts at version 1 with no data, expiring one ttl after now", () => {
    expect(fresh()).toEqual({
      id: "flow-1",
      flow: "onboarding",
      definitionVersion: 1,
      version: 1,
      data: {},
      createdAt: now.getTime(),
      updatedAt: now.getTime(),
      expiresAt: now.getTime() + 7 * day,
    });
  });
});

describe("planSteps, currentStep and flowStatus", () => {
  it("makes step 1 current in a new flow and skips company-details until a contractor", () => {
    expect(planSteps(onboarding, {})).toEqual([
      { number: 1, name: "personal-info", title: "Personal information", status: "current" },
      { number: 2, name: "contract-details", title: "Contract details", status: "pending" },
      { number: 3, name: "company-details", title: "Company details", status: "skipped" },
      { number: 4, name: "review", title: "Review and accept", status: "pending" },
    ]);
    expect(currentStep(onboarding, {})?.name).toBe("personal-info");
    expect(flowStatus(onboarding, {})).toBe("in_progress");
  });

  it("makes company-details current for a contractor", () => {
    const data = { "personal-info": personalInfo, "contract-details": contractor };
    expect(statuses(data)).toEqual(["done", "done", "current", "pending"]);
    expect(currentStep(onboarding, data)?.number).toBe(3);
  });

  it("skips company-details and makes review current for an employee", () => {
    const data = { "personal-info": personalInfo, "contract-details": employee };
    expect(statuses(data)).toEqual(["done", "done", "skipped", "current"]);
    expect(currentStep(onboarding, data)?.name).toBe("review");
  });

  it("is completed once every applicable step is done", () => {
    const data = { "personal-info": personalInfo, "contract-details": employee, review };
    expect(currentStep(onboarding, data)).toBeUndefined();
    expect(flowStatus(onboarding, data)).toBe("completed");
  });
});

describe("isExpired", () => {
  const record = fresh();

  it("is live until one ms before expiresAt", () => {
    expect(isExpired(record, new Date(record.expiresAt - 1))).toBe(false);
  });

  it("is expired from expiresAt on", () => {
    expect(isExpired(record, new Date(record.expiresAt))).toBe(true);
    expect(isExpired(record, later(8 * day))).toBe(true);
  });
});

describe("submitStep: order", () => {
  it("accepts a step addressed by number or by name alike", async () => {
    const byNumber = accepted(await submit(fresh(), "1", personalInfo));
    const byName = accepted(await submit(fresh(), "personal-info", personalInfo));
    expect(byName.record).toEqual(byNumber.record);
    expect(byNumber.record.data).toEqual({ "personal-info": personalInfo });
  });

  it.each(["2", "contract-details", "4", "review"])(
    "refuses %s in a new flow as out of order, naming step 1",
    async (ref) => {
      const error = refused(await submit(fresh(), ref, employee));
      expect(error.code).toBe("step-out-of-order");
      expect(error.extensions).toEqual({ step: 1, stepName: "personal-info" });
    },
  );

  it("refuses review before company-details for a contractor, naming company-details", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", contractor],
    ]);
    const error = refused(await submit(record, "review", review));
    expect(error.code).toBe("step-out-of-order");
    expect(error.extensions).toEqual({ step: 3, stepName: "company-details" });
  });

  it("refuses company-details for an employee as not applicable, naming review", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
    ]);
    const error = refused(await submit(record, "3", company));
    expect(error.code).toBe("step-not-applicable");
    expect(error.extensions).toEqual({ step: 4, stepName: "review" });
  });

  it("checks the order before the data", async () => {
    expect(refused(await submit(fresh(), "2", null)).code).toBe("step-out-of-order");
  });
});

describe("submitStep: validation", () => {
  function invalid(result: SubmitResult): WaymarkError["errors"] {
    const error = refused(result);
    expect(error.code).toBe("invalid-step-data");
    return error.errors;
  }

  it("names each bad field by its JSON Pointer", async () => {
    const errors = invalid(
      await submit(fresh(), "1", { firstName: "", email: "nope", dateOfBirth: "2000-02-30" }),
    );
    expect(errors.map((error) => error.path)).toEqual([
      "/firstName",
      "/lastName",
      "/email",
      "/dateOfBirth",
    ]);
  });

  it("refuses an unknown key, naming it", async () => {
    const errors = invalid(await submit(fresh(), "1", { ...personalInfo, nickname: "Ada" }));
    expect(errors).toEqual([{ path: "/nickname", message: "Unknown key" }]);
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "refuses an own %s key, naming it",
    async (key) => {
      const input: unknown = JSON.parse(`{"${key}": {"polluted": true}, "firstName": "Ada"}`);
      expect(Object.keys(input as object)).toContain(key);
      const errors = invalid(await submit(fresh(), "1", input));
      expect(errors).toEqual([{ path: `/${key}`, message: "Unknown key" }]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  // Regression: the pointer escapes "~" and "/" (RFC 6901), or the path names another key.
  it("escapes ~ and / in the path of an unknown key", async () => {
    const flow = adHocFlow(defineStep({ name: "a", schema: z.strictObject({ x: z.string() }) }));
    const errors = invalid(await submitTo(flow, fresh(flow), "a", { x: "1", "a/b~c": 1 }));
    expect(errors).toEqual([{ path: "/a~1b~0c", message: "Unknown key" }]);
  });

  // Regression: forbidden keys are refused anywhere in step data, not only at the top.
  it("refuses a nested own __proto__ key, naming it at its path", async () => {
    const flow = adHocFlow(
      defineStep({
        name: "address",
        schema: z.strictObject({ home: z.object({ city: z.string() }) }),
      }),
    );
    const input: unknown = JSON.parse('{"home": {"city": "Paris", "__proto__": {"x": 1}}}');
    const errors = invalid(await submitTo(flow, fresh(flow), "address", input));
    expect(errors.map((error) => error.path)).toEqual(["/home/__proto__"]);
  });

  it.each([
    ["an array", [personalInfo]],
    ["null", null],
    ["a string", "Ada"],
    ["a number", 42],
    ["a boolean", true],
    ["undefined", undefined],
  ])("refuses %s as the whole body", async (_, input) => {
    expect(invalid(await submit(fresh(), "1", input))).toEqual([
      { path: "", message: "Expected a JSON object" },
    ]);
  });

  describe("the 18-years rule (now is 2026-06-15)", () => {
    it("accepts someone turning 18 today", async () => {
      const result = await submit(fresh(), "1", { ...personalInfo, dateOfBirth: "2008-06-15" });
      expect(accepted(result).changed).toBe(true);
    });

    it("refuses someone turning 18 tomorrow", async () => {
      const result = await submit(fresh(), "1", { ...personalInfo, dateOfBirth: "2008-06-16" });
      expect(invalid(result)).toEqual([
        { path: "/dateOfBirth", message: "You must be at least 18 years old" },
      ]);
    });

    it("accepts the same person once the clock reaches their birthday", async () => {
      const input = { ...personalInfo, dateOfBirth: "2008-06-16" };
      const result = await submit(fresh(), "1", input, new Date("2026-06-16T00:00:00Z"));
      expect(accepted(result).record.data["personal-info"]).toEqual(input);
    });
  });

  describe("string lengths", () => {
    const letters = (length: number) => "a".repeat(length);
    const cases = [
      { ref: "1", base: personalInfo, field: "firstName", max: 100, make: letters },
      { ref: "1", base: personalInfo, field: "lastName", max: 100, make: letters },
      {
        ref: "1",
        base: personalInfo,
        field: "email",
        max: 254,
        make: (length: number) => `${letters(length - 12)}@example.com`,
      },
      { ref: "2", base: contractor, field: "role", max: 100, make: letters },
      { ref: "3", base: company, field: "companyName", max: 200, make: letters },
      {
        ref: "3",
        base: company,
        field: "vatId",
        max: 14,
        make: (length: number) => `GB${"1".repeat(length - 2)}`,
      },
    ];
    const before = [
      ["1", personalInfo],
      ["2", contractor],
    ] as const;
    const atStep = (ref: string) => walk(before.slice(0, Number(ref) - 1));

    it.each(cases)("accepts $field of $max characters", async ({ ref, base, field, max, make }) => {
      const value = make(max);
      expect(value).toHaveLength(max);
      const result = await submit(await atStep(ref), ref, { ...base, [field]: value });
      expect(accepted(result).changed).toBe(true);
    });

    it.each(cases)(
      "refuses $field of $max + 1 characters",
      async ({ ref, base, field, max, make }) => {
        const value = make(max + 1);
        expect(value).toHaveLength(max + 1);
        const errors = invalid(await submit(await atStep(ref), ref, { ...base, [field]: value }));
        expect(new Set(errors.map((error) => error.path))).toEqual(new Set([`/${field}`]));
      },
    );
  });

  describe("vatId pattern", () => {
    async function submitVat(vatId: string): Promise<SubmitResult> {
      const record = await walk([
        ["1", personalInfo],
        ["2", contractor],
      ]);
      return submit(record, "3", { ...company, vatId });
    }

    it.each(["GB12", "DE123456789", "FRAB123456789"])("accepts %s", async (vatId) => {
      expect(accepted(await submitVat(vatId)).changed).toBe(true);
    });

    it.each(["gb123456789", "G1123456789", "GB1", "GB 123456", "GB-123", "12345678"])(
      "refuses %s at /vatId",
      async (vatId) => {
        expect(invalid(await submitVat(vatId)).map((error) => error.path)).toEqual(["/vatId"]);
      },
    );
  });

  it("refuses review without acceptTerms: true", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
    ]);
    const errors = invalid(await submit(record, "4", { acceptTerms: false }));
    expect(errors).toEqual([{ path: "/acceptTerms", message: "You must accept the terms" }]);
  });

  it("saves the schema's output, not the raw input", async () => {
    const result = await submit(fresh(), "1", { ...personalInfo, firstName: "  Ada  " });
    expect(accepted(result).record.data["personal-info"]?.firstName).toBe("Ada");
  });

  it("leaves the record untouched when it refuses", async () => {
    const record = fresh();
    const before = structuredClone(record);
    refused(await submit(record, "1", { ...personalInfo, email: "nope" }));
    expect(record).toEqual(before);
  });
});

describe("submitStep: no-ops", () => {
  it("treats an identical resubmission as a no-op returning the same record", async () => {
    const record = await walk([["1", personalInfo]]);
    const result = accepted(await submit(record, "1", { ...personalInfo }));
    expect(result).toEqual({ ok: true, record, changed: false, completed: false });
    expect(result.record).toBe(record);
  });

  it("ignores key order and input that normalises to the saved data", async () => {
    const record = await walk([["1", personalInfo]]);
    const reordered = {
      dateOfBirth: personalInfo.dateOfBirth,
      email: personalInfo.email,
      lastName: ` ${personalInfo.lastName} `,
      firstName: personalInfo.firstName,
    };
    expect(accepted(await submit(record, "1", reordered)).changed).toBe(false);
  });

  it("does not extend expiry", async () => {
    const record = await walk([["1", personalInfo]]);
    const result = accepted(await submit(record, "1", personalInfo, later(2 * day)));
    expect(result.record.expiresAt).toBe(record.expiresAt);
    expect(result.record.updatedAt).toBe(record.updatedAt);
  });
});

describe("submitStep: edits", () => {
  const contractorDone = [
    ["1", personalInfo],
    ["2", contractor],
    ["3", company],
  ] as const;

  it("drops company-details and marks it skipped when a contractor becomes an employee", async () => {
    const record = await walk(contractorDone);
    const result = accepted(await submit(record, "2", employee));
    expect(result.changed).toBe(true);
    expect(result.completed).toBe(false);
    expect(result.record.version).toBe(record.version + 1);
    expect(result.record.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": employee,
    });
    expect(statuses(result.record.data)).toEqual(["done", "done", "skipped", "current"]);
  });

  it("re-plans company-details as current when the employee becomes a contractor again", async () => {
    const asEmployee = await walk([...contractorDone, ["2", employee]]);
    const result = accepted(await submit(asEmployee, "contract-details", contractor));
    expect(Object.keys(result.record.data)).toEqual(["personal-info", "contract-details"]);
    expect(statuses(result.record.data)).toEqual(["done", "done", "current", "pending"]);
    expect(refused(await submit(result.record, "4", review)).code).toBe("step-out-of-order");
  });

  it("keeps later steps done when an earlier step is edited", async () => {
    const record = await walk(contractorDone);
    const edited = { ...personalInfo, firstName: "Augusta" };
    const result = accepted(await submit(record, "1", edited));
    expect(result.record.data).toEqual({
      "personal-info": edited,
      "contract-details": contractor,
      "company-details": company,
    });
    expect(statuses(result.record.data)).toEqual(["done", "done", "done", "current"]);
  });
});

describe("submitStep: completion", () => {
  it("completes a contractor's flow on review", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", contractor],
      ["3", company],
    ]);
    const result = accepted(await submit(record, "4", review));
    expect(result).toMatchObject({ changed: true, completed: true });
    expect(flowStatus(onboarding, result.record.data)).toBe("completed");
  });

  it("completes an employee's flow on review without step 3", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
    ]);
    const result = accepted(await submit(record, "review", review));
    expect(result.completed).toBe(true);
    expect(result.record.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": employee,
      review,
    });
    expect(statuses(result.record.data)).toEqual(["done", "done", "skipped", "done"]);
  });

  it("reports completed: false for every submission before the last", async () => {
    let record = fresh();
    for (const [ref, input] of [
      ["1", personalInfo],
      ["2", contractor],
      ["3", company],
      ["1", { ...personalInfo, lastName: "King" }],
    ] as const) {
      const result = accepted(await submit(record, ref, input));
      expect(result.completed).toBe(false);
      record = result.record;
    }
  });

  it.each([
    ["1", { ...personalInfo, firstName: "Grace" }],
    ["2", contractor],
    ["3", company],
    ["review", { acceptTerms: false }],
  ])("refuses step %s once completed", async (ref, input) => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
      ["4", review],
    ]);
    expect(refused(await submit(record, ref, input)).code).toBe("flow-completed");
  });

  // Guards retries: the request that completed a flow must get the same answer again.
  it.each([
    ["1", personalInfo],
    ["4", review],
  ])(
    "treats identical data for done step %s of a completed flow as a no-op",
    async (ref, input) => {
      const record = await walk([
        ["1", personalInfo],
        ["2", employee],
        ["4", review],
      ]);
      const result = accepted(await submit(record, ref, input));
      expect(result).toEqual({ ok: true, record, changed: false, completed: false });
      expect(result.record).toBe(record);
    },
  );
});

describe("submitStep: versions and expiry", () => {
  it("grows the version by exactly one per change and not on a no-op", async () => {
    let record = fresh();
    const versions = [record.version];
    for (const [ref, input] of [
      ["1", personalInfo],
      ["1", personalInfo],
      ["2", contractor],
      ["2", employee],
      ["2", employee],
      ["4", review],
    ] as const) {
      record = accepted(await submit(record, ref, input)).record;
      versions.push(record.version);
    }
    expect(versions).toEqual([1, 2, 2, 3, 4, 4, 5]);
  });

  it("slides expiresAt to now + ttl on a change, keeping createdAt", async () => {
    const record = await walk([["1", personalInfo]]);
    const at = later(3 * day + 5);
    const result = accepted(await submit(record, "2", employee, at));
    expect(result.record.updatedAt).toBe(at.getTime());
    expect(result.record.expiresAt).toBe(at.getTime() + onboarding.ttlMs);
    expect(result.record.createdAt).toBe(now.getTime());
  });

  it("refuses any submission to an expired flow, even an identical one", async () => {
    const record = await walk([["1", personalInfo]]);
    const at = new Date(record.expiresAt);
    expect(refused(await submit(record, "1", personalInfo, at)).code).toBe("flow-expired");
    expect(refused(await submit(record, "2", employee, at)).code).toBe("flow-expired");
  });

  it("accepts a submission one ms before expiry, which slides it", async () => {
    const record = await walk([["1", personalInfo]]);
    const at = new Date(record.expiresAt - 1);
    const result = accepted(await submit(record, "2", employee, at));
    expect(result.record.expiresAt).toBe(at.getTime() + onboarding.ttlMs);
  });

  it("reports expiry before completion", async () => {
    const record = await walk([
      ["1", personalInfo],
      ["2", employee],
      ["4", review],
    ]);
    expect(refused(await submit(record, "1", personalInfo, later(8 * day))).code).toBe(
      "flow-expired",
    );
  });
});

describe("submitStep: checks that depend on other steps", () => {
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
  const shop = adHocFlow(plan, seats, notes, confirm);

  it("runs a step's check against the other steps' saved data", async () => {
    const record = await walk([["plan", { tier: "free" }]], shop);
    const errors = refused(await submitTo(shop, record, "seats", { count: 6 })).errors;
    expect(errors).toEqual([{ path: "/count", message: "Too many seats for this plan" }]);
  });

  it("drops a later step whose check no longer passes after an earlier edit", async () => {
    const record = await walk(
      [
        ["plan", { tier: "pro" }],
        ["seats", { count: 50 }],
      ],
      shop,
    );
    const result = accepted(await submitTo(shop, record, "plan", { tier: "free" }));
    expect(result.record.data).toEqual({ plan: { tier: "free" } });
    expect(currentStep(shop, result.record.data)?.name).toBe("seats");
  });

  it("keeps a later step whose check still passes after an earlier edit", async () => {
    const record = await walk(
      [
        ["plan", { tier: "pro" }],
        ["seats", { count: 3 }],
      ],
      shop,
    );
    const result = accepted(await submitTo(shop, record, "plan", { tier: "free" }));
    expect(result.record.data).toEqual({ plan: { tier: "free" }, seats: { count: 3 } });
  });

  // Regression: a done step after the current one is ahead of it; editing it skips ahead.
  it("refuses a done step that lies after the current one, naming the current step", async () => {
    const record = await walk(
      [
        ["plan", { tier: "pro" }],
        ["seats", { count: 50 }],
        ["notes", { text: "hi" }],
        ["plan", { tier: "free" }],
      ],
      shop,
    );
    expect(statuses(record.data, shop)).toEqual(["done", "current", "done", "pending"]);
    const error = refused(await submitTo(shop, record, "notes", { text: "edited" }));
    expect(error.code).toBe("step-out-of-order");
    expect(error.extensions).toEqual({ step: 2, stepName: "seats" });
  });
});

describe("defineFlow", () => {
  const step = (name: string): StepDefinition =>
    defineStep({ name, schema: z.strictObject({ x: z.string() }) });
  const flow = (overrides: Partial<FlowDefinitionInput>) =>
    defineFlow({ name: "demo", ttl: "1h", steps: [step("first")], ...overrides });

  it("numbers the steps, titles them and freezes the definition", () => {
    const defined = flow({ steps: [step("first-step"), step("second")] });
    expect(defined.steps.map((s) => [s.number, s.title])).toEqual([
      [1, "First step"],
      [2, "Second"],
    ]);
    expect(defined.version).toBe(1);
    expect(defined.ttlMs).toBe(hour);
    expect(Object.isFrozen(defined)).toBe(true);
    expect(Object.isFrozen(defined.steps)).toBe(true);
    expect(defined.steps[0]?.jsonSchema).toMatchObject({ additionalProperties: false });
  });

  it("throws naming the step that repeats a name", () => {
    expect(() => flow({ steps: [step("a"), step("b"), step("a")] })).toThrow(
      'flow "demo": step 3 repeats the name "a"',
    );
  });

  it("throws naming the step without a schema", () => {
    const bare = { name: "no-schema" } as unknown as StepDefinition;
    expect(() => flow({ steps: [step("a"), bare] })).toThrow(
      'flow "demo", step 2 "no-schema": the step needs a schema implementing Standard Schema',
    );
  });

  it.each(["Personal_Info", "personalInfo", "1st", "-a", "a-", "a--b", ""])(
    "throws naming the step with the bad name %j",
    (name) => {
      expect(() => flow({ steps: [step(name)] })).toThrow(
        `flow "demo", step 1 "${name}": the name must be kebab-case`,
      );
    },
  );

  it("throws for a bad flow name", () => {
    expect(() => flow({ name: "Demo Flow" })).toThrow('flow "Demo Flow": the name must be kebab');
  });

  it.each([0, -1, 1.5, Number.NaN, "", "7", "7w", "-1d", "0d", "1.5h", "d"])(
    "throws for the ttl %j",
    (ttl) => {
      expect(() => flow({ ttl })).toThrow('flow "demo": ttl must be positive milliseconds');
    },
  );

  it.each([0, -1, 1.5])("throws for the version %j", (version) => {
    expect(() => flow({ version })).toThrow('flow "demo": version must be a positive integer');
  });

  it("throws for a flow without steps", () => {
    expect(() => flow({ steps: [] })).toThrow('flow "demo": a flow needs at least one step');
  });

  it("needs jsonSchema when the schema does not implement Standard JSON Schema", () => {
    const bare: StandardSchemaV1<unknown, Record<string, unknown>> = {
      "~standard": { version: 1, vendor: "test", validate: () => ({ value: {} }) },
    };
    expect(() => flow({ steps: [{ name: "bare", schema: bare }] })).toThrow(
      'flow "demo", step 1 "bare": the schema does not implement Standard JSON Schema',
    );
    const jsonSchema = { type: "object" };
    const defined = flow({ steps: [{ name: "bare", schema: bare, jsonSchema }] });
    expect(defined.steps[0]?.jsonSchema).toEqual(jsonSchema);
  });
});

describe("parseDuration", () => {
  it.each([
    [5_000, 5_000],
    ["250ms", 250],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["12h", 12 * hour],
    ["7d", 7 * day],
    [" 7 d ", 7 * day],
  ] as const)("reads %j as %d ms", (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it("names the place in its error", () => {
    expect(() => parseDuration("soon", "config ttl")).toThrow("config ttl: ttl must be");
  });

  it("refuses a duration past the safe integer range", () => {
    expect(() => parseDuration(`${Number.MAX_SAFE_INTEGER}d`)).toThrow("ttl must be");
  });
});

describe("createRegistry", () => {
  const version = (name: string, v: number) =>
    defineFlow({ name, version: v, ttl: "1h", steps: onboarding.steps });

  it("serves the highest version as latest, whatever the order, and keeps the others", () => {
    const [v1, v2, v3] = [version("signup", 1), version("signup", 2), version("signup", 3)];
    const registry = createRegistry([v2, v3, v1, onboarding]);
    expect(registry.latest("signup")).toBe(v3);
    expect(registry.at("signup", 1)).toBe(v1);
    expect(registry.at("signup", 4)).toBeUndefined();
    expect(registry.latest("onboarding")).toBe(onboarding);
    expect(registry.latest("nope")).toBeUndefined();
    expect([...registry.names].sort()).toEqual(["onboarding", "signup"]);
  });

  it("refuses the same version twice", () => {
    expect(() => createRegistry([version("signup", 2), version("signup", 2)])).toThrow(
      'flow "signup": version 2 is defined twice',
    );
  });

  it.each(["healthz", "readyz"])("refuses the reserved name %s", (name) => {
    expect(() => createRegistry([version(name, 1)])).toThrow(
      `flow "${name}": the name is reserved`,
    );
  });
});
