import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { currentStep, findStep, flowStatus, isExpired, planSteps } from "../src/flow/engine.ts";
import {
  accepted,
  company,
  contractor,
  day,
  employee,
  fresh,
  later,
  now,
  refused,
  shop,
  statuses,
  submit,
  submitTo,
  walk,
} from "./support/engine.ts";
import { personalInfo, review } from "./support/onboarding-data.ts";

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
  it("starts at version 1 with no data, expiring one ttl after now, kept 30 days more", () => {
    expect(fresh()).toEqual({
      id: "flow-1",
      flow: "onboarding",
      definitionVersion: 1,
      version: 1,
      data: {},
      createdAt: now.getTime(),
      updatedAt: now.getTime(),
      expiresAt: now.getTime() + 7 * day,
      keepUntil: now.getTime() + 37 * day,
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
  it("runs a step's check against the other steps' saved data", async () => {
    const record = await walk([["plan", { tier: "free" }]], shop);
    const errors = refused(await submitTo(shop, record, "seats", { count: 6 })).errors;
    expect(errors).toEqual([
      { path: "/count", code: "custom", params: {}, message: "Too many seats for this plan" },
    ]);
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
