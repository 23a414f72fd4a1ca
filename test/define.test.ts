import type { StandardSchemaV1 } from "@standard-schema/spec";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { defineFlow, defineStep, parseDuration } from "../src/flow/define.ts";
import { createRegistry } from "../src/flow/registry.ts";
import type { FlowDefinitionInput, StepDefinition } from "../src/flow/types.ts";

const hour = 3_600_000;
const day = 24 * hour;

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

  it("settles access: capability by default, secret, or an authorize policy", () => {
    expect(flow({}).access).toBe("capability");
    expect(flow({ access: "secret" }).access).toBe("secret");
    const authorize = () => true;
    const policy = flow({ access: { authorize } }).access;
    expect(typeof policy === "object" && policy.authorize).toBe(authorize);
  });

  it.each(["public", "", null, {}, { authorize: "yes" }])("throws for the access %j", (access) => {
    expect(() => flow({ access: access as never })).toThrow(
      'flow "demo": access must be "capability", "secret" or { authorize(context) }',
    );
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

describe("defineFlow(...).step", () => {
  const step = (name: string): StepDefinition =>
    defineStep({ name, schema: z.strictObject({ x: z.string() }) });
  const start = () => defineFlow({ name: "demo", ttl: "1h" });

  it("numbers, titles and freezes the definition each step returns", () => {
    const defined = start().step(step("first-step")).step(step("second"));
    expect(defined.steps.map((s) => [s.number, s.name, s.title])).toEqual([
      [1, "first-step", "First step"],
      [2, "second", "Second"],
    ]);
    expect(defined).toMatchObject({ name: "demo", title: "Demo", version: 1, ttlMs: hour });
    expect(Object.isFrozen(defined)).toBe(true);
    expect(Object.isFrozen(defined.steps)).toBe(true);
    expect(defined.steps.every((s) => Object.isFrozen(s))).toBe(true);
    expect(defined.steps[1]?.jsonSchema).toMatchObject({ additionalProperties: false });
  });

  it("returns a new definition from each step and leaves the previous one unchanged", () => {
    const one = start().step(step("a"));
    const two = one.step(step("b"));
    const other = one.step(step("c"));
    expect(two).not.toBe(one);
    expect(one.steps.map((s) => s.name)).toEqual(["a"]);
    expect(two.steps.map((s) => s.name)).toEqual(["a", "b"]);
    expect(other.steps.map((s) => s.name)).toEqual(["a", "c"]);
    expect(two.steps[0]).toBe(one.steps[0]);
  });

  it("keeps the settings in every definition", () => {
    const onComplete = () => {};
    const begun = defineFlow({ name: "demo", title: "Demo!", version: 3, ttl: "2h", onComplete });
    const defined = begun.step(step("a")).step(step("b"));
    expect(defined).toMatchObject({ title: "Demo!", version: 3, ttlMs: 2 * hour, onComplete });
  });

  it("is not a definition before its first step, and is frozen", () => {
    const begun = start();
    expect(begun).not.toHaveProperty("steps");
    expect(Object.isFrozen(begun)).toBe(true);
  });

  it("validates the settings before any step is added", () => {
    expect(() => defineFlow({ name: "demo", ttl: "soon" })).toThrow('flow "demo": ttl must be');
    expect(() => defineFlow({ name: "Demo", ttl: "1h" })).toThrow('flow "Demo": the name must');
  });

  it("throws naming a step that repeats a name", () => {
    const defined = start().step(step("a")).step(step("b"));
    expect(() => defined.step(step("a"))).toThrow('flow "demo": step 3 repeats the name "a"');
  });

  it("throws naming a step with a bad name or without a schema", () => {
    const defined = start().step(step("a"));
    expect(() => defined.step(step("Bad"))).toThrow(
      'flow "demo", step 2 "Bad": the name must be kebab-case',
    );
    const bare = { name: "no-schema" } as unknown as StepDefinition;
    expect(() => defined.step(bare)).toThrow(
      'flow "demo", step 2 "no-schema": the step needs a schema implementing Standard Schema',
    );
  });

  it("adds steps to a flow defined with a steps list", () => {
    const listed = defineFlow({ name: "demo", ttl: "1h", steps: [step("a")] });
    const defined = listed.step(step("b"));
    expect(defined.steps.map((s) => [s.number, s.name])).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    expect(listed.steps).toHaveLength(1);
  });

  it("builds the onboarding example: four steps, company details for contractors only", () => {
    expect(onboarding.steps.map((s) => s.name)).toEqual([
      "personal-info",
      "contract-details",
      "company-details",
      "review",
    ]);
    const [, , companyDetails] = onboarding.steps;
    const contract = (contractType: string) => ({
      "contract-details": { contractType, startDate: "2026-07-01", role: "Engineer" },
    });
    expect(companyDetails.when?.(contract("contractor"))).toBe(true);
    expect(companyDetails.when?.(contract("employee"))).toBe(false);
    expect(companyDetails.when?.({})).toBe(false);
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

  // Guards against 500s: a ttl past what a Date can hold made every create fail.
  it("refuses a ttl over 10 years", () => {
    expect(() => parseDuration("3700d")).toThrow(/at most 10 years/);
    expect(() => parseDuration(9e15)).toThrow(/at most 10 years/);
    expect(parseDuration("3650d")).toBe(3650 * 86_400_000);
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

  it.each(["healthz", "readyz", "wizard"])("refuses the reserved name %s", (name) => {
    expect(() => createRegistry([version(name, 1)])).toThrow(
      `flow "${name}": the name is reserved`,
    );
  });

  it("names the step whose schema has no JSON Schema", () => {
    const started = defineFlow({ name: "born", ttl: "1h" });
    expect(() =>
      started.step({ name: "birth", schema: z.strictObject({ date: z.coerce.date() }) }),
    ).toThrow(
      /^flow "born", step 1 "birth": the schema has no JSON Schema \(.+\); pass jsonSchema$/,
    );
  });
});

describe("renamedFrom", () => {
  const schema = z.strictObject({ x: z.string() });

  it("keeps a kebab-case earlier name on the defined step", () => {
    const defined = defineFlow({ name: "demo", ttl: "1h" })
      .step({ name: "account", schema })
      .step({ name: "company", renamedFrom: "employer", schema });
    expect(defined.steps[1]?.renamedFrom).toBe("employer");
  });

  it.each([
    [
      "a name that is not kebab-case",
      [{ name: "a", renamedFrom: "Old_A" }],
      'flow "demo", step 1 "a": renamedFrom must be kebab-case',
    ],
    [
      "the step's own name",
      [{ name: "a", renamedFrom: "a" }],
      `flow "demo", step 1 "a": renamedFrom repeats the step's own name`,
    ],
    [
      "an earlier step's name",
      [{ name: "a" }, { name: "b", renamedFrom: "a" }],
      'flow "demo", step 2 "b": renamedFrom "a" is the name of step 1',
    ],
    [
      "a later step's name",
      [{ name: "a", renamedFrom: "b" }, { name: "b" }],
      'flow "demo": step 2 is named "b", which step 1 "a" says it was renamed from',
    ],
    [
      "a name another step is renamed from",
      [
        { name: "a", renamedFrom: "old" },
        { name: "b", renamedFrom: "old" },
      ],
      'flow "demo", step 2 "b": step 1 "a" is already renamed from "old"',
    ],
  ])("refuses %s", (_, steps, message) => {
    expect(() =>
      defineFlow({ name: "demo", ttl: "1h", steps: steps.map((step) => ({ ...step, schema })) }),
    ).toThrow(message);
  });

  it("refuses, in a .step chain, a later step named as an earlier one was renamed from", () => {
    const started = defineFlow({ name: "demo", ttl: "1h" }).step({
      name: "a",
      renamedFrom: "b",
      schema,
    });
    expect(() => started.step({ name: "b", schema })).toThrow(
      'flow "demo": step 2 is named "b", which step 1 "a" says it was renamed from',
    );
  });
});

describe("a step's own jsonSchema and a messages function", () => {
  // Regression: Valibot's JSON Schema type and a function returning `{}` for other
  // languages did not compile, though both work.
  it("takes a library's JSON Schema object and a function of the language, as typed", () => {
    const payer = v.strictObject({ name: v.pipe(v.string(), v.minLength(1, "Enter a name")) });
    const flow = defineFlow({
      name: "pay",
      ttl: "1d",
      messages: (tag: string) => (tag === "de" ? { "Enter a name": "Namen eingeben" } : {}),
    }).step({ name: "payer", schema: payer, jsonSchema: toJsonSchema(payer) });
    expect(flow.steps[0]?.jsonSchema).toMatchObject({ type: "object", required: ["name"] });
  });

  it("refuses a jsonSchema that is not an object, naming the step", () => {
    const schema = z.strictObject({ name: z.string() });
    const broken = { name: "only", schema, jsonSchema: [] as unknown as object };
    expect(() => defineFlow({ name: "bad", ttl: "1d" }).step(broken)).toThrow(
      'flow "bad", step 1 "only": jsonSchema must be a JSON Schema object',
    );
  });

  // Regression: "de-12" passed the pattern, then made Intl throw on a request asking for it.
  it("refuses messages under a tag Intl cannot read", () => {
    const step = { name: "only", schema: z.strictObject({ name: z.string() }) };
    for (const tag of ["de-12", "deutsch", "x-abc"]) {
      expect(() =>
        defineFlow({ name: "tags", ttl: "1d", messages: { [tag]: { Name: "Name" } } }).step(step),
      ).toThrow(`flow "tags": messages: "${tag}" is not a language tag such as "de" or "pt-BR"`);
    }
    expect(() =>
      defineFlow({ name: "tags", ttl: "1d", messages: { "pt-BR": {}, "zh-Hant-TW": {} } }),
    ).not.toThrow();
  });
});
