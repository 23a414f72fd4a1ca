import { describe, expect, it } from "vitest";
import { createFlowService, type FlowStore, WaymarkError } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
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
      "undecided",
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

  it("gives up with concurrent-update once writeWaitMs has passed", async () => {
    const store = losingStore(Number.POSITIVE_INFINITY);
    const flows = createFlowService({ flows: [onboarding], store, writeWaitMs: 200 });
    const { flowId } = await flows.start("onboarding", { now });
    const started = performance.now();
    await expectCode(
      flows.submit("onboarding", flowId, "1", personalInfo, { now }),
      "concurrent-update",
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect((await store.load(flowId))?.version).toBe(1);
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

describe("writes to one flow, taking turns", () => {
  /** Step-1 data no other writer sends: every write changes the record. */
  const mine = (index: number) => ({ ...personalInfo, firstName: `Writer ${index}` });

  /** A memory store (on the data of `shareWith`) that counts compare-and-sets and lock claims. */
  function countingStore(shareWith?: FlowStore) {
    const inner = createMemoryStore({ shareWith });
    const counts = { saves: 0, claims: 0 };
    const store: FlowStore = {
      ...inner,
      async save(record, expected) {
        counts.saves += 1;
        return inner.save(record, expected);
      },
      async claimWriteLock(id, token, ttlMs) {
        counts.claims += 1;
        return (await inner.claimWriteLock?.(id, token, ttlMs)) ?? false;
      },
    };
    return { inner, store, counts };
  }

  it("in one process, lands every write with one compare-and-set each and no lock", async () => {
    const { store, counts } = countingStore();
    const flows = createFlowService({ flows: [onboarding], store });
    const { flowId } = await flows.start("onboarding", { now });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        flows.submit("onboarding", flowId, "1", mine(index), { now }),
      ),
    );
    // In arrival order, each on the record the one before left.
    expect(outcomes.map((outcome) => outcome.record.version)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 2),
    );
    expect(counts).toEqual({ saves: 50, claims: 0 });
  });

  it("across processes, takes the flow's write lock after a lost compare-and-set", async () => {
    const first = countingStore();
    const second = countingStore(first.inner);
    const one = createFlowService({ flows: [onboarding], store: first.store });
    const two = createFlowService({ flows: [onboarding], store: second.store });
    const { flowId } = await one.start("onboarding", { now });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 ? two : one).submit("onboarding", flowId, "1", mine(index), { now }),
      ),
    );
    const versions = outcomes.map((outcome) => outcome.record.version);
    expect(new Set(versions).size).toBe(50);
    expect((await first.store.load(flowId))?.version).toBe(51);
    expect(first.counts.claims + second.counts.claims).toBeGreaterThan(0);
    // Every lock taken was released.
    expect(await first.store.claimWriteLock?.(flowId, "after", 1_000)).toBe(true);
  });

  // Neighbour of the lost idempotency-claim answer: a lock taken whose answer was lost
  // must not hold the flow's writers up until it lapses.
  it("frees a write lock whose answer was lost", async () => {
    const inner = createMemoryStore();
    let loseNextSave = false;
    const store: FlowStore = {
      ...inner,
      async save(record, expected) {
        if (!loseNextSave) return inner.save(record, expected);
        // As when another process wrote first.
        loseNextSave = false;
        return false;
      },
      async claimWriteLock(id, token, ttlMs) {
        await inner.claimWriteLock?.(id, token, ttlMs);
        throw new WaymarkError("store-unavailable", "The connection closed before the answer");
      },
    };
    const flows = createFlowService({ flows: [onboarding], store });
    const { flowId } = await flows.start("onboarding", { now });
    loseNextSave = true;
    await expect(flows.submit("onboarding", flowId, "1", mine(0), { now })).rejects.toMatchObject({
      code: "store-unavailable",
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inner.claimWriteLock?.(flowId, "next writer", 1_000)).toBe(true);
  });

  it("without write locks in the store, lands every write by backing off", async () => {
    const lockless = (store: FlowStore): FlowStore => {
      const { claimWriteLock: _claim, releaseWriteLock: _release, ...rest } = store;
      return rest;
    };
    const shared = createMemoryStore();
    const one = createFlowService({ flows: [onboarding], store: lockless(shared) });
    const other = lockless(createMemoryStore({ shareWith: shared }));
    const two = createFlowService({ flows: [onboarding], store: other });
    const { flowId } = await one.start("onboarding", { now });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 ? two : one).submit("onboarding", flowId, "1", mine(index), { now }),
      ),
    );
    expect(new Set(outcomes.map((outcome) => outcome.record.version)).size).toBe(50);
    expect((await shared.load(flowId))?.version).toBe(51);
  });

  it("gives up waiting behind a slow write at writeWaitMs; the writes after it go on", async () => {
    const inner = createMemoryStore();
    let slow = true;
    const store: FlowStore = {
      ...inner,
      async save(record, expected) {
        if (slow) {
          slow = false;
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
        return inner.save(record, expected);
      },
    };
    const flows = createFlowService({ flows: [onboarding], store, writeWaitMs: 100 });
    const { flowId } = await flows.start("onboarding", { now });
    const first = flows.submit("onboarding", flowId, "1", mine(1), { now });
    const started = performance.now();
    await expectCode(
      flows.submit("onboarding", flowId, "1", mine(2), { now }),
      "concurrent-update",
    );
    expect(performance.now() - started).toBeLessThan(300);
    expect((await first).record.version).toBe(2);
    const next = await flows.submit("onboarding", flowId, "1", mine(3), { now });
    expect(next.record.version).toBe(3);
  });

  it("refuses a store with only one of the lock methods, and a wait that is not positive", () => {
    const { releaseWriteLock: _, ...halfLocked } = createMemoryStore();
    expect(() => createFlowService({ flows: [onboarding], store: halfLocked })).toThrow(
      /claimWriteLock and releaseWriteLock together/,
    );
    for (const writeWaitMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createFlowService({ flows: [onboarding], store: createMemoryStore(), writeWaitMs }),
      ).toThrow(/writeWaitMs must be a positive number/);
    }
  });
});
