// Type tests: `tsc --noEmit` checks them (an unused @ts-expect-error is an error too);
// at run time they only build the flows.
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createWaymark,
  defineFlow,
  defineStep,
  type FieldError,
  type FlowData,
  type FlowDataOf,
  type FlowDefinition,
  type StepInput,
  type StepName,
  type StepOutput,
} from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";

type Contract = { contractType: "employee" | "contractor"; startDate: string; role: string };

/** A flow whose schema has a default, so a step's input and output types differ. */
const shop = defineFlow({ name: "shop", ttl: "1h" })
  .step({
    name: "plan",
    schema: z.strictObject({ tier: z.enum(["free", "pro"]).default("free") }),
  })
  .step({
    name: "seats",
    schema: z.strictObject({ count: z.int().min(1) }),
    check: (value, { flow }) => {
      expectTypeOf(value).toEqualTypeOf<{ count: number }>();
      expectTypeOf(flow.plan?.tier).toEqualTypeOf<"free" | "pro" | undefined>();
      // @ts-expect-error "notes" comes later: check's flow data has the earlier steps
      if (flow.notes) return [];
      return value.count <= (flow.plan?.tier === "pro" ? 100 : 5) ? [] : undefined;
    },
  })
  .step({ name: "notes", schema: z.strictObject({ text: z.string() }) });

describe("types from a .step chain", () => {
  it("names the steps", () => {
    expectTypeOf<StepName<typeof onboarding>>().toEqualTypeOf<
      "personal-info" | "contract-details" | "company-details" | "review"
    >();
  });

  it("gives each step's input and output type by name", () => {
    expectTypeOf<StepInput<typeof onboarding, "contract-details">>().toEqualTypeOf<Contract>();
    expectTypeOf<StepOutput<typeof onboarding, "review">>().toEqualTypeOf<{
      acceptTerms: true;
    }>();
    expectTypeOf<StepInput<typeof shop, "plan">>().toEqualTypeOf<{
      tier?: "free" | "pro" | undefined;
    }>();
    expectTypeOf<StepOutput<typeof shop, "plan">>().toEqualTypeOf<{ tier: "free" | "pro" }>();
  });

  it("refuses a wrong field type and an unknown step name in StepInput", () => {
    const right: StepInput<typeof onboarding, "contract-details"> = {
      contractType: "contractor",
      startDate: "2026-07-01",
      role: "Engineer",
    };
    const wrong: StepInput<typeof onboarding, "contract-details"> = {
      // @ts-expect-error "intern" is not a contract type
      contractType: "intern",
      startDate: "2026-07-01",
      role: "Engineer",
    };
    expectTypeOf(right).toEqualTypeOf(wrong);
    // @ts-expect-error no step is called "nope"
    expectTypeOf<StepInput<typeof onboarding, "nope">>();
  });

  it("types the saved data by step name, every step optional", () => {
    type Data = FlowDataOf<typeof onboarding>;
    expectTypeOf<Data["contract-details"]>().toEqualTypeOf<Readonly<Contract> | undefined>();
    expectTypeOf<keyof Data>().toEqualTypeOf<StepName<typeof onboarding>>();
    expectTypeOf<{ review: { acceptTerms: true } }>().toExtend<Data>();
    expectTypeOf<{ review: { acceptTerms: false } }>().not.toExtend<Data>();
    expectTypeOf({}).toExtend<Data>();
    // @ts-expect-error no step is called "nope"
    expectTypeOf<Data["nope"]>();
    const saved: Data = {
      review: { acceptTerms: true },
      // @ts-expect-error no step is called "nope"
      nope: {},
    };
    expectTypeOf(saved).toEqualTypeOf<Data>();
  });

  it("gives when the earlier steps' data, typed, and refuses unknown names", () => {
    onboarding.step({
      name: "equipment",
      schema: z.strictObject({ laptop: z.boolean() }),
      when: (data) => {
        expectTypeOf(data["contract-details"]?.contractType).toEqualTypeOf<
          "employee" | "contractor" | undefined
        >();
        expectTypeOf(data["personal-info"]?.email).toEqualTypeOf<string | undefined>();
        // @ts-expect-error no step is called "nope"
        if (data.nope) return false;
        // @ts-expect-error "intern" can never be a contract type
        return data["contract-details"]?.contractType === "intern";
      },
    });
  });

  it("sees only the steps before the one being added", () => {
    defineFlow({ name: "order", ttl: "1h" })
      .step({ name: "first", schema: z.strictObject({ a: z.string() }) })
      .step({
        name: "second",
        schema: z.strictObject({ b: z.string() }),
        // @ts-expect-error "third" comes later: when sees only earlier steps
        when: (data) => data.third !== undefined,
      })
      .step({ name: "third", schema: z.strictObject({ c: z.string() }) });
  });

  it("gives check its own step's output", () => {
    onboarding.step({
      name: "payroll",
      schema: z.strictObject({ iban: z.string().trim(), hours: z.number().default(40) }),
      check: (value, { now, flow }) => {
        expectTypeOf(value).toEqualTypeOf<{ iban: string; hours: number }>();
        expectTypeOf(now).toEqualTypeOf<Date>();
        expectTypeOf(flow).toEqualTypeOf<FlowDataOf<typeof onboarding>>();
        // @ts-expect-error iban is a string, not a number
        return value.iban > 0 ? [] : undefined;
      },
    });
  });

  it("refuses a step name the flow already has", () => {
    const again = { name: "review", schema: z.strictObject({}) } as const;
    // @ts-expect-error "review" is taken
    expect(() => onboarding.step(again)).toThrow('step 5 repeats the name "review"');
  });

  it("is a FlowDefinition, so the engine, registry and HTTP layer take it", () => {
    expectTypeOf(onboarding).toExtend<FlowDefinition>();
    expectTypeOf(shop).toExtend<FlowDefinition>();
    expectTypeOf<FlowDefinition[]>().toExtend<readonly FlowDefinition[]>();
  });

  it("is not a FlowDefinition before its first step", () => {
    expectTypeOf(defineFlow({ name: "empty", ttl: "1h" })).not.toExtend<FlowDefinition>();
  });
});

describe("types from a steps list", () => {
  const listed = defineFlow({
    name: "listed",
    ttl: "1h",
    steps: [
      defineStep({ name: "plan", schema: z.strictObject({ tier: z.enum(["free", "pro"]) }) }),
      defineStep({
        name: "seats",
        schema: z.strictObject({ count: z.int() }),
        check: (value, { flow }) => {
          expectTypeOf(value).toEqualTypeOf<{ count: number }>();
          expectTypeOf(flow).toEqualTypeOf<FlowData>();
          return [] satisfies FieldError[];
        },
        when: (data) => {
          expectTypeOf(data).toEqualTypeOf<FlowData>();
          return true;
        },
      }),
    ],
  });

  it("keeps step names and schema types", () => {
    expectTypeOf<StepName<typeof listed>>().toEqualTypeOf<"plan" | "seats">();
    expectTypeOf<StepInput<typeof listed, "seats">>().toEqualTypeOf<{ count: number }>();
    expectTypeOf<FlowDataOf<typeof listed>>().toEqualTypeOf<{
      readonly plan?: Readonly<{ tier: "free" | "pro" }>;
      readonly seats?: Readonly<{ count: number }>;
    }>();
    // @ts-expect-error no step is called "nope"
    expectTypeOf<StepOutput<typeof listed, "nope">>();
    expectTypeOf(listed).toExtend<FlowDefinition>();
  });
});

describe("options under exactOptionalPropertyTypes", () => {
  it("take undefined for every optional setting, as settings read from the environment are", () => {
    const fromEnv: string | undefined = process.env.WAYMARK_TEST_UNSET;
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      basePath: fromEnv,
      maxBodyBytes: undefined,
      requireIfMatch: undefined,
      logger: undefined,
      now: undefined,
      wizard: undefined,
    });
    expect(waymark.basePath).toBe("");
  });
});
