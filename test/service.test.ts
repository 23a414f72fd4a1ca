import { describe, expect, it } from "vitest";
import { createFlowService, type FlowStore, WaymarkError } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { employeeContract, personalInfo, review, startTime } from "./support/http-client.ts";

const now = startTime;

/** Rejects with the WaymarkError code the promise is expected to fail with. */
async function expectCode(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WaymarkError);
  expect((error as WaymarkError).code).toBe(code);
}

/** A fake store over SQLite whose compare-and-set loses the first `losses` times. */
function losingStore(losses: number): FlowStore & { saves: number } {
  const inner = createSqliteStore({ path: ":memory:" });
  const fake = {
    ...inner,
    saves: 0,
    async save(record: Parameters<FlowStore["save"]>[0], expected: number) {
      fake.saves += 1;
      return fake.saves <= losses ? false : inner.save(record, expected);
    },
  };
  return fake;
}

describe("flow use cases, without HTTP", () => {
  it("start, read, readStep, submit and erase walk a flow over a store", async () => {
    const flows = createFlowService({
      flows: [onboarding],
      store: createSqliteStore({ path: ":memory:" }),
    });
    const started = await flows.start("onboarding", { now });
    expect(started).toMatchObject({ etag: '"v1"', flowId: started.record.id });
    expect(started.plan.map((step) => step.status)).toEqual([
      "current",
      "pending",
      "skipped",
      "pending",
    ]);

    const first = await flows.submit("onboarding", started.flowId, "1", { personalInfo }, { now });
    expect(first).toMatchObject({ changed: true, etag: '"v2"' });
    const same = await flows.submit("onboarding", started.flowId, "personal-info", personalInfo, {
      now,
    });
    expect(same).toMatchObject({ changed: false, etag: '"v2"' });

    await flows.submit("onboarding", started.flowId, "2", employeeContract, { now });
    const done = await flows.submit("onboarding", started.flowId, "4", review, { now });
    expect(done.plan.every((step) => step.status !== "current")).toBe(true);

    const step = await flows.readStep("onboarding", started.flowId, "review", { now });
    expect(step.step.number).toBe(4);
    expect((await flows.read("onboarding", started.flowId, { now })).record.version).toBe(4);

    await flows.erase("onboarding", started.flowId, {});
    await expectCode(flows.read("onboarding", started.flowId, { now }), "flow-not-found");
  });

  it("retries a lost compare-and-set, and refuses at once when If-Match pinned the version", async () => {
    const store = losingStore(2);
    const flows = createFlowService({ flows: [onboarding], store });
    const { flowId } = await flows.start("onboarding", { now });
    const saved = await flows.submit("onboarding", flowId, "1", personalInfo, { now });
    expect(saved.record.version).toBe(2);
    expect(store.saves).toBe(3);

    const pinned = losingStore(1);
    const strict = createFlowService({ flows: [onboarding], store: pinned });
    const other = await strict.start("onboarding", { now });
    const preconditions = { ifMatch: other.etag };
    await expectCode(
      strict.submit("onboarding", other.flowId, "1", personalInfo, { now, preconditions }),
      "precondition-failed",
    );
    expect(pinned.saves).toBe(1);
  });

  it("gives up with concurrent-update after the retry budget", async () => {
    const flows = createFlowService({ flows: [onboarding], store: losingStore(100) });
    const { flowId } = await flows.start("onboarding", { now });
    await expectCode(
      flows.submit("onboarding", flowId, "1", personalInfo, { now }),
      "concurrent-update",
    );
  });

  it("in token mode, every change moves the flow id and nothing is kept", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const flows = createFlowService({ flows: [onboarding], tokens });
    const started = await flows.start("onboarding", { now });
    expect(started.flowId).not.toBe(started.record.id);
    const saved = await flows.submit("onboarding", started.flowId, "1", personalInfo, { now });
    expect(saved.flowId).not.toBe(started.flowId);
    expect(saved.record.id).toBe(started.record.id);
    expect(flows.store).toBeUndefined();
    // The older token still opens: the client rewinds only its own flow.
    expect((await flows.read("onboarding", started.flowId, { now })).record.version).toBe(1);
    await expectCode(flows.read("onboarding", "not-a-token", { now }), "invalid-flow-token");
  });

  it("names unknown flows and steps", async () => {
    const flows = createFlowService({
      flows: [onboarding],
      store: createSqliteStore({ path: ":memory:" }),
    });
    await expectCode(flows.start("offboarding", { now }), "unknown-flow");
    const { flowId } = await flows.start("onboarding", { now });
    await expectCode(flows.readStep("onboarding", flowId, "9", { now }), "step-not-found");
    await expectCode(flows.read("onboarding", "../etc", { now }), "flow-not-found");
  });

  it("needs exactly one of store and tokens", () => {
    const store = createSqliteStore({ path: ":memory:" });
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const both = { flows: [onboarding], store, tokens } as never;
    expect(() => createFlowService(both)).toThrow("give either store");
    expect(() => createFlowService({ flows: [onboarding] } as never)).toThrow("give either store");
  });
});
