import { describe, expect, it } from "vitest";
import { z } from "zod";
import { WaymarkError } from "../src/errors.ts";
import { defineFlow } from "../src/flow/define.ts";
import { createRecord } from "../src/flow/engine.ts";
import { migrateRecord, restartRecord } from "../src/flow/migrate.ts";
import { createRegistry } from "../src/flow/registry.ts";
import type { FlowRecord } from "../src/flow/types.ts";
import {
  contactV1,
  signupV1,
  signupV2,
  signupV2Broken,
  signupV3,
} from "./support/versioned-flows.ts";

const now = new Date("2026-12-01T10:00:00Z");
const later = new Date("2026-12-01T10:20:00Z");

function v1Record(data: FlowRecord["data"]): FlowRecord {
  return { ...createRecord(signupV1, { id: "flow-1", now }), version: 3, data };
}

describe("migrateRecord", () => {
  it("renames a field and adds one with a default, keeping the times and growing the version by one", async () => {
    const record = v1Record({ contact: contactV1, plan: { tier: "team" } });
    const { record: migrated, returned, dropped } = await migrateRecord([signupV2], record, later);
    expect(migrated).toEqual({
      ...record,
      definitionVersion: 2,
      version: 4,
      data: {
        contact: { fullName: "Ada Lovelace", email: "ada@example.com", country: "NL" },
        plan: { tier: "team" },
      },
      migratedFrom: { version: 1, at: later.getTime() },
    });
    expect(returned).toEqual([]);
    expect(dropped).toEqual([]);
  });

  it("sends a step whose data the new version refuses back, keeping what was entered", async () => {
    const record = v1Record({ contact: contactV1, plan: { tier: "free" } });
    const { record: migrated, returned } = await migrateRecord([signupV2], record, later);
    expect(migrated.data).not.toHaveProperty("plan");
    expect(migrated.returnedSteps).toEqual({
      plan: {
        data: { tier: "free" },
        errors: [
          {
            path: "/tier",
            code: "invalid_value",
            params: { values: ["team", "enterprise"] },
            message: "Choose a paid tier",
          },
        ],
      },
    });
    expect(returned).toEqual([
      {
        step: "plan",
        errors: [
          {
            path: "/tier",
            code: "invalid_value",
            params: { values: ["team", "enterprise"] },
            message: "Choose a paid tier",
          },
        ],
      },
    ]);
  });

  it("applies a chain v1 → v2 → v3 in order, and says the flow came from v1", async () => {
    const record = v1Record({ contact: { ...contactV1, email: "ada@mail.example" } });
    const chain = createRegistry([signupV3]).migrationsFrom("signup", 1);
    expect(chain.map((definition) => definition.version)).toEqual([2, 3]);
    const { record: migrated } = await migrateRecord(chain, record, later);
    expect(migrated.definitionVersion).toBe(3);
    expect(migrated.migratedFrom).toEqual({ version: 1, at: later.getTime() });
    // v2 renamed the field; v3 refuses the address, so the step goes back with v2's shape.
    expect(migrated.returnedSteps?.contact).toEqual({
      data: { fullName: "Ada Lovelace", email: "ada@mail.example", country: "NL" },
      errors: [{ path: "/email", code: "custom", params: {}, message: "Use a work email" }],
    });
  });

  it("migrates a step sent back earlier again with the rest, and keeps the first version", async () => {
    const record = v1Record({ contact: contactV1, plan: { tier: "free" } });
    const onV2 = (await migrateRecord([signupV2], record, now)).record;
    const { record: onV3 } = await migrateRecord([signupV3], onV2, later);
    expect(onV3.returnedSteps).toEqual({
      plan: { data: { tier: "free" }, errors: [expect.objectContaining({ path: "/tier" })] },
    });
    expect(onV3.migratedFrom).toEqual({ version: 1, at: later.getTime() });
  });

  it("drops data of steps the new version does not have", async () => {
    const v2 = defineFlow({ name: "signup", version: 2, ttl: "1h" })
      .step({ name: "contact", schema: z.strictObject({ name: z.string(), email: z.email() }) })
      .migrateFrom(signupV1, (data) => data);
    const { record: migrated, dropped } = await migrateRecord(
      [v2],
      v1Record({ contact: contactV1, plan: { tier: "team" } }),
      later,
    );
    expect(migrated.data).toEqual({ contact: contactV1 });
    expect(dropped).toEqual(["plan"]);
  });

  it("turns a migration that throws into a definition-error naming the flow and both versions", async () => {
    const failure = await migrateRecord([signupV2Broken], v1Record({ contact: contactV1 }), later)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WaymarkError);
    expect(failure).toMatchObject({
      code: "definition-error",
      extensions: { flow: "signup", hook: "migrate", fromVersion: 1, toVersion: 2 },
    });
    // The thrown message may quote data: it is never copied.
    expect((failure as WaymarkError).message).not.toContain("bug in the migration");
  });

  it.each([
    ["a string", () => "nope"],
    ["step data that is not an object", () => ({ contact: [1, 2] })],
    ["a Date", () => ({ contact: { at: new Date() } })],
  ])("refuses a migration that returns %s", async (_, migrate) => {
    const v2 = defineFlow({ name: "signup", version: 2, ttl: "1h" })
      .step({ name: "contact", schema: z.strictObject({}) })
      .migrateFrom(signupV1, migrate as never);
    await expect(migrateRecord([v2], v1Record({}), later)).rejects.toMatchObject({
      code: "definition-error",
    });
  });

  it("restarts a record with no data on the new version", () => {
    const record = v1Record({ contact: contactV1 });
    expect(restartRecord(signupV2, record, later)).toEqual({
      ...record,
      definitionVersion: 2,
      version: 4,
      data: {},
      migratedFrom: { version: 1, at: later.getTime() },
    });
  });
});

describe("registry policies", () => {
  const bare = (
    version: number,
    retired?: Record<number, "keep" | "migrate" | "restart" | "expire">,
  ) => defineFlow({ name: "signup", version, ttl: "1h", retired, steps: signupV1.steps });

  it("migrates what a chain reaches, keeps what is registered, and retires the rest", () => {
    expect(createRegistry([signupV3]).policy("signup", 1)).toBe("migrate");
    expect(createRegistry([signupV3]).policy("signup", 2)).toBe("migrate");
    expect(createRegistry([signupV3]).policy("signup", 3)).toBeUndefined();
    expect(createRegistry([bare(1), bare(2)]).policy("signup", 1)).toBe("keep");
    expect(createRegistry([bare(2)]).policy("signup", 1)).toBeUndefined();
    // A version a migration reaches can be read even when not registered.
    expect(createRegistry([signupV3]).at("signup", 1)).toBe(signupV1);
  });

  it("takes the newest definition's declared policy over the defaults", () => {
    const v3 = defineFlow({
      name: "signup",
      version: 3,
      ttl: "1h",
      retired: { 1: "restart", 2: "expire" },
      steps: signupV1.steps,
    }).migrateFrom(signupV2, (data) => data);
    const registry = createRegistry([v3]);
    expect(registry.policy("signup", 1)).toBe("restart");
    expect(registry.policy("signup", 2)).toBe("expire");
  });

  it("refuses a policy that cannot hold, and two definitions of one version", () => {
    expect(() => createRegistry([bare(2, { 1: "migrate" })])).toThrow(
      'flow "signup": retired version 1 is to migrate, but no migrateFrom chain reaches it',
    );
    expect(() => createRegistry([bare(2, { 1: "keep" })])).toThrow(
      'flow "signup": retired version 1 is to be kept, but its definition is not given',
    );
    // Completed flows of a restarted or expired version are still read on it.
    for (const policy of ["restart", "expire"] as const) {
      expect(() => createRegistry([bare(2, { 1: policy })])).toThrow(
        `retired version 1 is to ${policy}, but its definition is not given: register it`,
      );
      expect(createRegistry([bare(1), bare(2, { 1: policy })]).policy("signup", 1)).toBe(policy);
    }
    expect(() => createRegistry([bare(1), signupV2])).toThrow(
      'flow "signup": version 1 is given as two different definitions',
    );
  });
});

describe("defineFlow: migrations and recovery settings", () => {
  const settings = { name: "signup", ttl: "1h", steps: signupV1.steps };

  it("defaults to 30 days of recovery, in token mode too, and takes 0 to turn it off", () => {
    expect(defineFlow(settings)).toMatchObject({
      recoverForMs: 30 * 86_400_000,
      recoverTokens: true,
    });
    expect(defineFlow({ ...settings, recoverFor: 0 }).recoverForMs).toBe(0);
    expect(defineFlow({ ...settings, recoverFor: "0d" }).recoverForMs).toBe(0);
    expect(defineFlow({ ...settings, recoverFor: "2h", recoverTokens: false })).toMatchObject({
      recoverForMs: 7_200_000,
      recoverTokens: false,
    });
  });

  it.each([
    [{ recoverFor: -1 }, "recoverFor must be 0, positive milliseconds"],
    [{ recoverFor: "soon" }, "recoverFor must be 0, positive milliseconds"],
    [{ recoverTokens: "yes" }, "recoverTokens must be true or false"],
    [{ version: 2, retired: { 2: "keep" } }, "retired names version 2, which is not older than 2"],
    [{ version: 2, retired: { v1: "keep" } }, 'retired names "v1", which is not a version number'],
    [{ version: 2, retired: { 0: "keep" } }, 'retired names "0", which is not a version number'],
    [
      { version: 2, retired: { 1: "forget" } },
      'retired version 1 must be "keep", "migrate", "restart" or "expire"',
    ],
  ])("refuses %o", (extra, message) => {
    expect(() => defineFlow({ ...settings, ...(extra as object) })).toThrow(message);
  });

  it("refuses migrateFrom of another flow, of a version not older, or without a function", () => {
    const other = defineFlow({ ...settings, name: "other" });
    const v2 = defineFlow({ ...settings, version: 2 });
    expect(() => v2.migrateFrom(other, (data) => data)).toThrow('migrateFrom names flow "other"');
    expect(() => defineFlow(settings).migrateFrom(v2, (data) => data)).toThrow(
      "migrateFrom names version 2, which is not older than 1",
    );
    expect(() => v2.migrateFrom(signupV1, undefined as never)).toThrow("needs a function");
  });

  it("types the old data by the old definition and the new step names (checked by tsc)", () => {
    const v2 = defineFlow({ name: "signup", version: 2, ttl: "1h" }).step({
      name: "contact",
      schema: z.strictObject({ fullName: z.string() }),
    });
    v2.migrateFrom(signupV1, (data) => {
      const name: string | undefined = data.contact?.name;
      // @ts-expect-error v1's contact has no fullName yet
      data.contact?.fullName;
      return { contact: { fullName: name ?? "" } };
    });
    // @ts-expect-error "contakt" is not a step of v2
    v2.migrateFrom(signupV1, () => ({ contakt: {} }));
    expect(v2.migration).toBeUndefined();
  });

  // Regression: a step copied with a new schema kept the old schema's JSON Schema, so the
  // unknown-key screen refused the new fields.
  it("derives the JSON Schema again for a step copied from an older version with a new schema", () => {
    const [contact] = signupV1.steps;
    const schema = z.strictObject({ name: z.string(), email: z.email(), phone: z.string() });
    const v2 = defineFlow({ name: "signup", version: 2, ttl: "1h" }).step({ ...contact, schema });
    expect(Object.keys(v2.steps[0].jsonSchema.properties as object)).toEqual([
      "name",
      "email",
      "phone",
    ]);
    // A JSON Schema the author gave stays as given.
    const given = { type: "object" };
    const own = defineFlow({ name: "signup", ttl: "1h" }).step({
      ...contact,
      schema,
      jsonSchema: given,
    });
    expect(own.steps[0].jsonSchema).toEqual(given);
  });

  it("keeps the migration when steps are added after it", () => {
    const v2 = defineFlow({ name: "signup", version: 2, ttl: "1h" })
      .step({ name: "contact", schema: z.strictObject({}) })
      .migrateFrom(signupV1, () => ({}))
      .step({ name: "more", schema: z.strictObject({}) });
    expect(v2.migration?.from).toBe(signupV1);
    expect(v2.steps.map((step) => step.name)).toEqual(["contact", "more"]);
  });
});
