import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { defineStep } from "../src/flow/define.ts";
import {
  changedFields,
  type EventDraft,
  migrationEvent,
  sealEvents,
  submissionEvents,
} from "../src/flow/events.ts";
import type { FlowDefinition, FlowRecord } from "../src/flow/types.ts";
import {
  accepted,
  adHocFlow,
  company,
  contractor,
  employee,
  fresh,
  now,
  shop,
  submitTo,
} from "./support/engine.ts";
import { personalInfo, review } from "./support/onboarding-data.ts";

/** Submits each step in turn; returns the records and each write's event drafts. */
async function eventsOf(
  steps: ReadonlyArray<readonly [string, unknown]>,
  definition: FlowDefinition = onboarding,
  start: FlowRecord = fresh(definition),
) {
  let record = start;
  const writes: Array<Array<Pick<EventDraft, "type" | "step" | "fields">>> = [];
  for (const [ref, input] of steps) {
    const result = accepted(await submitTo(definition, record, ref, input));
    const step = definition.steps.find((s) => s.name === ref || String(s.number) === ref);
    writes.push(submissionEvents(definition, record, result.record, step?.name ?? ref));
    record = result.record;
  }
  return { record, writes };
}

const personalFields = ["/dateOfBirth", "/email", "/firstName", "/lastName"];

describe("the events of step submissions", () => {
  it("a contractor's walkthrough: each step submitted with its fields, then flow.completed", async () => {
    const { writes } = await eventsOf([
      ["1", personalInfo],
      ["2", contractor],
      ["3", company],
      ["4", review],
    ]);
    expect(writes).toEqual([
      [{ type: "step.submitted", step: "personal-info", fields: personalFields }],
      [
        {
          type: "step.submitted",
          step: "contract-details",
          fields: ["/contractType", "/role", "/startDate"],
        },
      ],
      [{ type: "step.submitted", step: "company-details", fields: ["/companyName", "/vatId"] }],
      [
        { type: "step.submitted", step: "review", fields: ["/acceptTerms"] },
        { type: "flow.completed" },
      ],
    ]);
  });

  it("an employee goes past the company step: step.skipped once, when the flow moves beyond it", async () => {
    const { writes } = await eventsOf([
      ["1", personalInfo],
      ["2", employee],
      ["4", review],
    ]);
    expect(writes[0]).toEqual([
      { type: "step.submitted", step: "personal-info", fields: personalFields },
    ]);
    expect(writes[1]).toEqual([
      {
        type: "step.submitted",
        step: "contract-details",
        fields: ["/contractType", "/role", "/startDate"],
      },
      { type: "step.skipped", step: "company-details" },
    ]);
    expect(writes[2]).toEqual([
      { type: "step.submitted", step: "review", fields: ["/acceptTerms"] },
      { type: "flow.completed" },
    ]);
  });

  it("an edit that makes a done step inapplicable: only the changed field, and the step skipped with the fields it dropped", async () => {
    const { writes } = await eventsOf([
      ["1", personalInfo],
      ["2", contractor],
      ["3", company],
      ["2", employee],
    ]);
    expect(writes[3]).toEqual([
      { type: "step.submitted", step: "contract-details", fields: ["/contractType"] },
      { type: "step.skipped", step: "company-details", fields: ["/companyName", "/vatId"] },
    ]);
  });

  it("an edit whose re-planning drops a later step that still applies: step.reset with its fields", async () => {
    const { writes } = await eventsOf(
      [
        ["plan", { tier: "pro" }],
        ["seats", { count: 50 }],
        ["plan", { tier: "free" }],
      ],
      shop,
    );
    expect(writes[2]).toEqual([
      { type: "step.submitted", step: "plan", fields: ["/tier"] },
      { type: "step.reset", step: "seats", fields: ["/count"] },
    ]);
  });

  it("names fields and never values, whatever the data", async () => {
    const { writes } = await eventsOf([["1", personalInfo]]);
    const text = JSON.stringify(writes);
    for (const value of Object.values(personalInfo)) expect(text).not.toContain(value);
  });
});

describe("changedFields", () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [undefined, { a: 1, b: { c: 2 } }, ["/a", "/b/c"]],
    [{ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 }, d: 4 }, ["/b/c", "/d"]],
    [{ a: [1, 2] }, { a: [2, 1] }, ["/a"]],
    [{ a: { b: 1 } }, { a: "text" }, ["/a/b"]],
    [{ "a/b": 1, "c~d": 1 }, {}, ["/a~1b", "/c~0d"]],
    [{ a: {} }, {}, ["/a"]],
    [{ a: { b: {} } }, { a: { b: { c: 1 } } }, ["/a/b/c"]],
  ])("%j → %j: %j", (before, after, fields) => {
    expect(changedFields(before, after)).toEqual(fields);
  });

  it("is empty exactly when the values are equal, and names each field at most once", () => {
    const json = fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const fields = changedFields(a, b);
        expect(new Set(fields).size).toBe(fields.length);
        expect(fields.length === 0).toBe(JSON.stringify(sorted(a)) === JSON.stringify(sorted(b)));
      }),
    );
  });
});

describe("sealEvents", () => {
  it("gives each event of a write the id {flowKey}:{version}:{index}, deterministically", () => {
    const record = { ...fresh(), version: 5 };
    const drafts: EventDraft[] = [
      { type: "step.submitted", step: "review", fields: ["/acceptTerms"] },
      { type: "flow.completed" },
    ];
    const first = sealEvents(record, drafts, now);
    expect(first.map((event) => event.id)).toEqual(["flow-1:5:0", "flow-1:5:1"]);
    expect(first[1]).toEqual({
      id: "flow-1:5:1",
      type: "flow.completed",
      flowKey: "flow-1",
      flow: "onboarding",
      definitionVersion: 1,
      version: 5,
      index: 1,
      at: now.getTime(),
    });
    // A retried write makes the same events, so stores and receivers keep one of each.
    expect(sealEvents(record, drafts, now)).toEqual(first);
    expect(sealEvents(record, [{ type: "flow.deleted" }], now, 6)[0]?.id).toBe("flow-1:6:0");
  });

  it("migrationEvent names the version left and the steps sent back", () => {
    expect(migrationEvent(1, ["personal-info"])).toEqual({
      type: "flow.migrated",
      fromVersion: 1,
      steps: ["personal-info"],
    });
  });
});

/** A JSON value with object keys sorted, to compare two values whatever their key order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// Regression: a record step's keys (an email, a phone number) reached the log as field names.
describe("fields the schema does not declare", () => {
  it("are named * in every event, so keys a user typed never reach the log", async () => {
    const contacts = defineStep({
      name: "contacts",
      schema: z.strictObject({ label: z.string(), byAddress: z.record(z.string(), z.boolean()) }),
    });
    const payment = defineStep({
      name: "payment",
      schema: z.discriminatedUnion("method", [
        z.strictObject({ method: z.literal("card"), last4: z.string() }),
        z.strictObject({ method: z.literal("invoice"), vatId: z.string() }),
      ]),
    });
    const done = defineStep({ name: "done", schema: z.strictObject({ ok: z.literal(true) }) });
    const flow = adHocFlow(contacts, payment, done);
    const { writes } = await eventsOf(
      [
        [
          "contacts",
          { label: "team", byAddress: { "ada@example.com": true, "+44 7700 900123": true } },
        ],
        ["payment", { method: "card", last4: "4242" }],
      ],
      flow,
    );
    expect(writes[0]).toEqual([
      { type: "step.submitted", step: "contacts", fields: ["/byAddress/*", "/label"] },
    ]);
    // A union's variants declare their fields: they keep their names.
    expect(writes[1]).toEqual([
      { type: "step.submitted", step: "payment", fields: ["/last4", "/method"] },
    ]);
    expect(JSON.stringify(writes)).not.toMatch(/ada@|7700/);
  });
});
