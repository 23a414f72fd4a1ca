import { describe, expect, it } from "vitest";
import {
  createFlowService,
  createRecord,
  type FlowData,
  type FlowDefinition,
  type FlowRecord,
  WaymarkError,
} from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import flows, { newsletterV1, signupV1, surveyV4 } from "./fixtures/migrate-flows.ts";

const now = new Date("2026-03-01T12:00:00Z");

/** A service over a memory store holding one record of `definition` with `data`. */
async function serving(definition: FlowDefinition, data: FlowData, version = definition.version) {
  const store = createMemoryStore();
  const record: FlowRecord = {
    ...createRecord(definition, { id: crypto.randomUUID(), now: new Date(now.getTime() - 60_000) }),
    definitionVersion: version,
    data,
  };
  await store.create(record);
  return { service: createFlowService({ flows, store }), store, record };
}

/** The WaymarkError code a promise rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WaymarkError);
  return (error as WaymarkError).code;
}

// Guards what serve() decides on a read, now shared with `waymark migrate`.
describe("a read of a flow on an older definition version", () => {
  it("migrates it, sends back the steps that no longer pass, and saves the move", async () => {
    const data = { account: { email: "not an email" }, profile: { name: "Ada" } };
    const { service, store, record } = await serving(signupV1, data);
    const read = await service.read("signup", record.id, { now });
    const moved = {
      definitionVersion: 2,
      version: 2,
      data: { profile: { fullName: "Ada" } },
      migratedFrom: { version: 1, at: now.getTime() },
      returnedSteps: { account: { data: { email: "not an email" } } },
    };
    expect(read.record).toMatchObject(moved);
    expect(read.record.returnedSteps?.account?.errors).toEqual([
      expect.objectContaining({ path: "/email" }),
    ]);
    expect(await store.load(record.id)).toEqual(read.record);
  });

  it("answers definition-error and writes nothing when the migration throws", async () => {
    const { service, store, record } = await serving(signupV1, { profile: { name: "boom" } });
    expect(await codeOf(service.read("signup", record.id, { now }))).toBe("definition-error");
    expect(await store.load(record.id)).toEqual(record);
  });

  it("leaves a completed flow on the version it completed on", async () => {
    const data = {
      account: { email: "not an email" },
      profile: { name: "Ada" },
      confirm: { accept: true },
    };
    const { service, store, record } = await serving(signupV1, data);
    const read = await service.read("signup", record.id, { now });
    expect(read).toMatchObject({ record, definition: signupV1 });
    expect(await store.load(record.id)).toEqual(record);
  });

  it("leaves an expired flow where it is", async () => {
    const { service, store, record } = await serving(signupV1, {});
    const later = new Date(record.expiresAt);
    expect(await codeOf(service.read("signup", record.id, { now: later }))).toBe("flow-expired");
    expect(await store.load(record.id)).toEqual(record);
  });

  it("restarts, withdraws or refuses it as its version's policy says", async () => {
    const data = { question: { answer: "yes" } };
    const restarted = await serving(surveyV4, data, 1);
    const read = await restarted.service.read("survey", restarted.record.id, { now });
    expect(read.record).toMatchObject({ definitionVersion: 4, version: 2, data: {} });

    const withdrawn = await serving(surveyV4, data, 2);
    expect(await codeOf(withdrawn.service.read("survey", withdrawn.record.id, { now }))).toBe(
      "flow-expired",
    );
    const retired = await serving(surveyV4, data, 3);
    expect(await codeOf(retired.service.read("survey", retired.record.id, { now }))).toBe(
      "definition-retired",
    );
  });

  it("keeps it on its version while that version is registered", async () => {
    const { service, record } = await serving(newsletterV1, { subscribe: { email: "a@b.c" } });
    const read = await service.read("newsletter", record.id, { now });
    expect(read).toMatchObject({ record, definition: newsletterV1 });
  });
});
