import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineFlow, defineStep } from "../src/flow/define.ts";
import { diffFlows, type FlowChange } from "../src/flow/diff.ts";
import type { FlowData, FlowDefinition, FlowSettings, StepDefinition } from "../src/flow/types.ts";

/** A one-flow definition named "signup" with the given steps. */
function flow(
  steps: StepDefinition[],
  settings: { version?: number; ttl?: string; retired?: FlowSettings["retired"] } = {},
) {
  return defineFlow({ name: "signup", ttl: "7d", ...settings, steps });
}

/** One step called "account" with `shape` as its strict schema. */
function account(shape: z.ZodRawShape, more: Partial<StepDefinition> = {}) {
  return flow([defineStep({ name: "account", schema: z.strictObject(shape), ...more })]);
}

/** The changes without the keys every one of them shares here. */
function changes(before: FlowDefinition | undefined, after: FlowDefinition | undefined) {
  return diffFlows(before, after).map(({ flow: _, covered: __, ...change }) => change);
}

/** The changes of one field of the "account" step, as [kind, keyword, from, to, breaking]. */
function fieldChanges(before: z.ZodRawShape, after: z.ZodRawShape) {
  return diffFlows(account(before), account(after))
    .filter((change) => change.path !== null)
    .map((change) => [
      change.kind,
      change.path,
      change.keyword,
      change.from,
      change.to,
      change.breaking,
    ]);
}

const step = (name: string, more: Partial<StepDefinition> = {}) =>
  defineStep({ name, schema: z.strictObject({ x: z.string() }), ...more });

describe("diffFlows: flows and steps", () => {
  it("finds nothing between a definition and itself, or an identical one", () => {
    const shape = { email: z.email(), tags: z.array(z.string()).max(3) };
    expect(diffFlows(account(shape), account(shape))).toEqual([]);
  });

  it("reports a flow added as compatible and a flow removed as breaking", () => {
    const v1 = flow([step("a")]);
    expect(diffFlows(undefined, v1)).toEqual([
      {
        flow: "signup",
        kind: "flow-added",
        step: null,
        path: null,
        keyword: null,
        from: null,
        to: 1,
        breaking: false,
        covered: false,
      },
    ]);
    expect(changes(v1, undefined)).toEqual([
      {
        kind: "flow-removed",
        step: null,
        path: null,
        keyword: null,
        from: 1,
        to: null,
        breaking: true,
      },
    ]);
  });

  it("reports steps added as compatible and removed as breaking, with their numbers", () => {
    const before = flow([step("a"), step("b")]);
    const after = flow([step("a"), step("c")], { version: 2 });
    expect(changes(before, after)).toEqual([
      {
        kind: "step-added",
        step: "c",
        path: null,
        keyword: null,
        from: null,
        to: 2,
        breaking: false,
      },
      {
        kind: "step-removed",
        step: "b",
        path: null,
        keyword: null,
        from: 2,
        to: null,
        breaking: true,
      },
    ]);
  });

  it("reports a declared rename as breaking and compares the step under both names", () => {
    const before = flow([
      defineStep({ name: "company", schema: z.strictObject({ name: z.string() }) }),
    ]);
    const after = flow(
      [
        defineStep({
          name: "employer",
          renamedFrom: "company",
          schema: z.strictObject({ name: z.string(), size: z.int().optional() }),
        }),
      ],
      { version: 2 },
    );
    expect(changes(before, after)).toEqual([
      {
        kind: "step-renamed",
        step: "employer",
        path: null,
        keyword: null,
        from: "company",
        to: "employer",
        breaking: true,
      },
      {
        kind: "field-added",
        step: "employer",
        path: "/size",
        keyword: null,
        from: null,
        to: "optional",
        breaking: false,
      },
    ]);
  });

  it("takes an undeclared rename, or one from a name the old flow lacks, as removed and added", () => {
    const before = flow([step("company")]);
    for (const renamed of [step("employer"), step("employer", { renamedFrom: "firm" })]) {
      expect(changes(before, flow([renamed], { version: 2 })).map((change) => change.kind)).toEqual(
        ["step-added", "step-removed"],
      );
    }
  });

  it("reports one step moved as one compatible change, not every step it passed", () => {
    const before = flow([step("a"), step("b"), step("c"), step("d")]);
    const after = flow([step("d"), step("a"), step("b"), step("c")], { version: 2 });
    expect(changes(before, after)).toEqual([
      { kind: "step-moved", step: "d", path: null, keyword: null, from: 4, to: 1, breaking: false },
    ]);
  });

  it("does not take a step added before others as moving them", () => {
    const before = flow([step("a"), step("b")]);
    const after = flow([step("new"), step("a"), step("b")], { version: 2 });
    expect(changes(before, after).map((change) => change.kind)).toEqual(["step-added"]);
  });

  it("reports when added, removed and edited as compatible, with their source text", () => {
    const isCorp = (data: object) => "corp" in data;
    const isTeam = (data: object) => "team" in data;
    const before = flow([step("a"), step("b"), step("c", { when: isCorp })]);
    const after = flow([step("a", { when: isCorp }), step("b"), step("c", { when: isTeam })], {
      version: 2,
    });
    expect(changes(before, after)).toEqual([
      {
        kind: "when-added",
        step: "a",
        path: null,
        keyword: null,
        from: null,
        to: String(isCorp),
        breaking: false,
      },
      {
        kind: "when-changed",
        step: "c",
        path: null,
        keyword: null,
        from: String(isCorp),
        to: String(isTeam),
        breaking: false,
      },
    ]);
    expect(changes(after, before).map((change) => change.kind)).toContain("when-removed");
  });

  it("ignores a when whose source differs only in whitespace", () => {
    const written = (source: string) => Object.assign(() => true, { toString: () => source });
    const before = flow([step("a", { when: written("(data) => data.a?.x === 'y'") })]);
    const after = flow([step("a", { when: written("(data) =>\n  data.a?.x === 'y'") })]);
    expect(diffFlows(before, after)).toEqual([]);
  });

  it("reports a ttl change as compatible", () => {
    expect(changes(flow([step("a")]), flow([step("a")], { ttl: "30d", version: 2 }))).toEqual([
      {
        kind: "ttl-changed",
        step: null,
        path: null,
        keyword: null,
        from: 604_800_000,
        to: 2_592_000_000,
        breaking: false,
      },
    ]);
  });

  it("reports a version not bumped although something changed, and only then", () => {
    const before = flow([step("a")], { version: 3 });
    expect(changes(before, flow([step("a"), step("b")], { version: 3 })).at(0)).toEqual({
      kind: "version-not-bumped",
      step: null,
      path: null,
      keyword: null,
      from: 3,
      to: 3,
      breaking: false,
    });
    expect(changes(before, flow([step("a"), step("b")], { version: 2 })).at(0)?.kind).toBe(
      "version-not-bumped",
    );
    expect(changes(before, flow([step("a")], { version: 3 }))).toEqual([]);
  });

  it("orders changes by step in the new order, removed steps last, then by field path", () => {
    const before = flow([
      step("gone"),
      defineStep({
        name: "b",
        schema: z.strictObject({ a: z.string(), "a-b": z.string(), z: z.string() }),
      }),
      defineStep({ name: "a", schema: z.strictObject({ n: z.strictObject({ c: z.string() }) }) }),
    ]);
    const after = flow(
      [
        defineStep({
          name: "a",
          schema: z.strictObject({ n: z.strictObject({ c: z.string().max(1) }) }),
        }),
        defineStep({
          name: "b",
          schema: z.strictObject({
            a: z.string().max(1),
            "a-b": z.string().max(1),
            z: z.string().max(1),
          }),
        }),
      ],
      { version: 2, ttl: "1d" },
    );
    expect(
      diffFlows(before, after).map((change) => `${change.step} ${change.path} ${change.kind}`),
    ).toEqual([
      "null null ttl-changed",
      "a null step-moved",
      "a /n/c limit-narrowed",
      "b /a limit-narrowed",
      "b /a-b limit-narrowed",
      "b /z limit-narrowed",
      "gone null step-removed",
    ]);
  });
});

describe("diffFlows: fields", () => {
  it("marks a field added as required breaking and as optional compatible", () => {
    expect(
      fieldChanges({ a: z.string() }, { a: z.string(), b: z.string(), c: z.string().optional() }),
    ).toEqual([
      ["field-added", "/b", null, null, "required", true],
      ["field-added", "/c", null, null, "optional", false],
    ]);
  });

  it("marks a field removed from a strict object breaking, from a loose one compatible", () => {
    expect(fieldChanges({ a: z.string(), b: z.string() }, { a: z.string() })).toEqual([
      ["field-removed", "/b", null, "required", null, true],
    ]);
    const loose = (shape: z.ZodRawShape, version: number) =>
      flow([defineStep({ name: "account", schema: z.looseObject(shape) })], { version });
    expect(
      changes(loose({ a: z.string(), b: z.string() }, 1), loose({ a: z.string() }, 2)),
    ).toEqual([
      {
        kind: "field-removed",
        step: "account",
        path: "/b",
        keyword: null,
        from: "required",
        to: null,
        breaking: false,
      },
    ]);
  });

  it("marks a field made required breaking and made optional compatible", () => {
    expect(
      fieldChanges(
        { a: z.string().optional(), b: z.string() },
        { a: z.string(), b: z.string().optional() },
      ),
    ).toEqual([
      ["field-required", "/a", null, "optional", "required", true],
      ["field-optional", "/b", null, "required", "optional", false],
    ]);
  });

  it("marks a type narrowed or changed breaking and widened compatible", () => {
    expect(
      fieldChanges(
        {
          a: z.string().nullable(),
          b: z.int(),
          c: z.string(),
          d: z.strictObject({ e: z.string() }).nullable(),
        },
        { a: z.string(), b: z.number(), c: z.number(), d: z.strictObject({ e: z.string() }) },
      ),
    ).toEqual([
      ["type-narrowed", "/a", "type", ["string", "null"], "string", true],
      ["type-widened", "/b", "type", "integer", "number", false],
      ["limit-widened", "/b", "minimum", -9007199254740991, null, false],
      ["limit-widened", "/b", "maximum", 9007199254740991, null, false],
      // A changed type is one change: its old keywords mean nothing for the new type.
      ["type-changed", "/c", "type", "string", "number", true],
      ["type-narrowed", "/d", "type", ["object", "null"], "object", true],
    ]);
  });

  it("marks limits narrowed breaking and widened compatible, keyword by keyword", () => {
    expect(
      fieldChanges(
        {
          a: z.string().min(1).max(10),
          b: z.email(),
          c: z.number().positive(),
          d: z.array(z.string()).max(5),
        },
        {
          a: z.string().min(2).max(20),
          b: z.string(),
          c: z.number().nonnegative().lt(100),
          d: z.array(z.string()).min(1).max(3),
        },
      ),
    ).toEqual([
      ["limit-narrowed", "/a", "minLength", 1, 2, true],
      ["limit-widened", "/a", "maxLength", 10, 20, false],
      ["limit-widened", "/b", "pattern", z.toJSONSchema(z.email()).pattern, null, false],
      ["limit-widened", "/b", "format", "email", null, false],
      ["limit-widened", "/c", "minimum", null, 0, false],
      ["limit-widened", "/c", "exclusiveMinimum", 0, null, false],
      ["limit-narrowed", "/c", "exclusiveMaximum", null, 100, true],
      ["limit-narrowed", "/d", "minItems", null, 1, true],
      ["limit-narrowed", "/d", "maxItems", 5, 3, true],
    ]);
  });

  it("marks a pattern added narrowed and a pattern replaced changed, both breaking", () => {
    expect(
      fieldChanges(
        { a: z.string(), b: z.string().regex(/^a/) },
        { a: z.string().regex(/^a/), b: z.string().regex(/^b/) },
      ),
    ).toEqual([
      ["limit-narrowed", "/a", "pattern", null, "^a", true],
      ["limit-changed", "/b", "pattern", "^a", "^b", true],
    ]);
  });

  it("marks an enum value removed breaking and added compatible, and a constant replaced", () => {
    expect(
      fieldChanges(
        { plan: z.enum(["free", "team"]), terms: z.literal("v1"), any: z.string() },
        { plan: z.enum(["team", "pro"]), terms: z.literal("v2"), any: z.enum(["x"]) },
      ),
    ).toEqual([
      ["limit-narrowed", "/any", "enum", null, ["x"], true],
      ["enum-value-removed", "/plan", "enum", "free", null, true],
      ["enum-value-added", "/plan", "enum", null, "pro", false],
      ["enum-value-removed", "/terms", "const", "v1", null, true],
      ["enum-value-added", "/terms", "const", null, "v2", false],
    ]);
  });

  it("marks an object closed breaking and opened compatible", () => {
    expect(
      fieldChanges(
        { a: z.looseObject({ b: z.string() }) },
        { a: z.strictObject({ b: z.string() }) },
      ),
    ).toEqual([["object-closed", "/a", "additionalProperties", {}, false, true]]);
    expect(
      fieldChanges({ a: z.strictObject({ b: z.string() }) }, { a: z.object({ b: z.string() }) }),
    ).toEqual([["object-opened", "/a", "additionalProperties", false, null, false]]);
  });

  it("names nested fields, array items and map values by JSON Pointer", () => {
    expect(
      fieldChanges(
        {
          address: z.strictObject({ city: z.string(), "a/b": z.string() }),
          contacts: z.array(z.strictObject({ email: z.email() })),
          scores: z.record(z.string(), z.number()),
          pair: z.tuple([z.string(), z.number()]),
        },
        {
          address: z.strictObject({ city: z.string().min(1), "a/b": z.string().min(1) }),
          contacts: z.array(z.strictObject({ email: z.email(), phone: z.string() })),
          scores: z.record(z.string(), z.int()),
          pair: z.tuple([z.string().max(9), z.number()]),
        },
      ).map(([kind, path]) => `${kind} ${path}`),
    ).toEqual([
      "limit-narrowed /address/a~1b",
      "limit-narrowed /address/city",
      "field-added /contacts/*/phone",
      "limit-narrowed /pair/0",
      "type-narrowed /scores/*",
      "limit-narrowed /scores/*",
      "limit-narrowed /scores/*",
    ]);
  });

  it("pairs the variants of a discriminated union and compares each", () => {
    const variant = (kind: string, shape: z.ZodRawShape) =>
      z.strictObject({ kind: z.literal(kind), ...shape });
    expect(
      fieldChanges(
        {
          pay: z.discriminatedUnion("kind", [
            variant("card", { last4: z.string() }),
            variant("iban", { iban: z.string() }),
          ]),
        },
        {
          pay: z.discriminatedUnion("kind", [
            variant("iban", { iban: z.string().max(34) }),
            variant("cash", {}),
          ]),
        },
      ).map(([kind, path, keyword]) => `${kind} ${path} ${keyword}`),
    ).toEqual([
      "variant-removed /pay oneOf",
      "variant-added /pay oneOf",
      "limit-narrowed /pay/iban maxLength",
    ]);
  });

  it("follows recursive $refs without walking forever", () => {
    type Node = { name: string; children: Node[] };
    const tree = (max: number): z.ZodType<Node> => {
      const node: z.ZodType<Node> = z.lazy(() =>
        z.strictObject({ name: z.string().max(max), children: z.array(node) }),
      );
      return node;
    };
    expect(fieldChanges({ root: tree(10) }, { root: tree(5) })).toEqual([
      ["limit-narrowed", "/root/name", "maxLength", 10, 5, true],
    ]);
  });
});

describe("diffFlows: migrations", () => {
  const v1 = flow([defineStep({ name: "account", schema: z.strictObject({ email: z.email() }) })]);
  const v2 = flow(
    [
      defineStep({
        name: "account",
        schema: z.strictObject({ email: z.email(), name: z.string() }),
      }),
    ],
    {
      version: 2,
    },
  );
  const v3 = flow(
    [
      defineStep({
        name: "account",
        schema: z.strictObject({ email: z.email(), name: z.string(), age: z.int() }),
      }),
    ],
    { version: 3 },
  );
  /** Fakes of the definitions `migrateFrom` makes, so a chain can be bent out of shape. */
  const fakeMigrated = (definition: FlowDefinition, from: FlowDefinition): FlowDefinition => ({
    ...definition,
    migration: { from, migrate: (data) => data },
  });
  const covered = (changes: FlowChange[]) =>
    changes.map((change) => [change.kind, change.breaking, change.covered]);

  it("covers the breaking changes when the migration chain reaches the old version", () => {
    const fakeV3 = fakeMigrated(v3, fakeMigrated(v2, v1));
    expect(covered(diffFlows(v1, fakeV3))).toEqual([
      ["field-added", true, true],
      ["field-added", true, true],
    ]);
    expect(covered(diffFlows(v2, fakeV3))).toEqual([["field-added", true, true]]);
  });

  it("leaves compatible changes uncovered, whatever the migration", () => {
    const withTtl = flow([...v2.steps], { version: 2, ttl: "1d" });
    expect(covered(diffFlows(v1, fakeMigrated(withTtl, v1)))).toEqual([
      ["ttl-changed", false, false],
      ["field-added", true, true],
    ]);
  });

  it("does not cover a chain that stops short of the old version, or has none", () => {
    expect(covered(diffFlows(v1, fakeMigrated(v3, v2)))).toEqual([
      ["field-added", true, false],
      ["field-added", true, false],
    ]);
    expect(diffFlows(v1, v3).every((change) => !change.covered)).toBe(true);
  });

  it("covers them with a retired policy that keeps the old data off the new schemas", () => {
    for (const policy of ["keep", "restart", "expire"] as const) {
      const settled = flow([...v3.steps], { version: 3, retired: { 1: policy } });
      expect(diffFlows(v1, settled).every((change) => change.covered === change.breaking)).toBe(
        true,
      );
    }
    const migrating = flow([...v3.steps], { version: 3, retired: { 1: "migrate" } });
    expect(diffFlows(v1, migrating).some((change) => change.covered)).toBe(false);
  });

  it("covers them with a real migrateFrom chain", () => {
    const chained = flow([...v3.steps], { version: 3 }).migrateFrom(v1, () => ({}));
    expect(diffFlows(v1, chained).every((change) => change.covered === change.breaking)).toBe(true);
  });

  it("reads a broken or circular chain as not reaching", () => {
    const circular = { ...v3 } as FlowDefinition & { migration?: unknown };
    circular.migration = { from: circular, migrate: (data: FlowData) => data };
    expect(diffFlows(v1, circular).some((change) => change.covered)).toBe(false);
    const broken = { ...v3, migration: { from: "v1" } } as unknown as FlowDefinition;
    expect(diffFlows(v1, broken).some((change) => change.covered)).toBe(false);
  });
});
