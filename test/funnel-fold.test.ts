import { describe, expect, it } from "vitest";
import { createRecord } from "../src/flow/engine.ts";
import type { FlowEvent } from "../src/flow/events.ts";
import { finishFunnel, nearestRank, startFunnel, tallyFlow } from "../src/flow/funnel.ts";
import { createRegistry } from "../src/flow/registry.ts";
import { createFlowService } from "../src/service/flows.ts";
import { computeFunnel } from "../src/service/funnel.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { signupV1, signupV2 } from "./support/versioned-flows.ts";

const t0 = Date.UTC(2026, 10, 30, 9);
const s = 1_000;
const at = (ms: number) => ({ now: new Date(t0 + ms) });
const window = { flow: "signup", since: t0, until: t0 + 86_400_000 };

/** Each step's reached, completed, stopped, skipped and median time, in one line per step. */
function figures(report: ReturnType<typeof finishFunnel>) {
  return report.versions.map((version) => ({
    version: version.definitionVersion,
    started: version.started,
    completed: version.completed,
    steps: version.steps.map((step) => [
      step.name,
      step.reached,
      step.completed,
      step.stopped,
      step.skipped,
      step.timeMs.median,
    ]),
  }));
}

describe("the funnel's edge cases", () => {
  it("counts a flow without a log from its record alone, without times", () => {
    const record = {
      ...createRecord(signupV1, { id: "a", now: new Date(t0) }),
      data: { contact: { name: "Ada", email: "ada@example.com" }, plan: { tier: "team" } },
    };
    const started: FlowEvent[] = [];
    // A log that begins after the start (the log came later) is no better than none.
    const partial = [{ type: "step.submitted", step: "plan", version: 3, index: 0, at: t0 }];
    for (const events of [started, partial as FlowEvent[]]) {
      const tally = startFunnel(window);
      expect(tallyFlow(tally, signupV1, record, events)).toBe(true);
      expect(figures(finishFunnel(tally, []))).toEqual([
        {
          version: 1,
          started: 1,
          completed: 0,
          steps: [
            ["contact", 1, 1, 0, 0, null],
            ["plan", 1, 1, 0, 0, null],
            ["confirm", 1, 0, 1, 0, null],
          ],
        },
      ]);
    }
  });

  it("counts nothing of a flow started outside the window, or of another flow", () => {
    const tally = startFunnel(window);
    const before = createRecord(signupV1, { id: "b", now: new Date(t0 - 1) });
    const atUntil = createRecord(signupV1, { id: "c", now: new Date(window.until) });
    expect(tallyFlow(tally, signupV1, before, [])).toBe(false);
    expect(tallyFlow(tally, signupV1, atUntil, [])).toBe(false);
    expect(tallyFlow(tally, signupV2, before, [])).toBe(false);
    expect(finishFunnel(tally, []).versions).toEqual([]);
  });

  it("counts a migrated flow under the version it is on now, its log matched by step name", async () => {
    const store = createMemoryStore();
    const before = createFlowService({ flows: [signupV1], store });
    const { flowId } = await before.start("signup", at(0));
    await before.submit(
      "signup",
      flowId,
      "contact",
      { name: "Ada", email: "a@b.example" },
      at(10 * s),
    );
    await before.submit("signup", flowId, "plan", { tier: "free" }, at(30 * s));
    // v2 has no free tier: the migration sends the flow back to plan.
    const after = createFlowService({ flows: [signupV2], store });
    await after.read("signup", flowId, at(40 * s));
    await after.submit("signup", flowId, "plan", { tier: "team" }, at(100 * s));
    await after.submit("signup", flowId, "confirm", { accept: true }, at(110 * s));
    const report = await computeFunnel({ store, registry: after.registry, ...window });
    expect(figures(report)).toEqual([
      {
        version: 2,
        started: 1,
        completed: 1,
        steps: [
          ["contact", 1, 1, 0, 0, 10 * s],
          // Its first submission, on v1; the second, after the migration, counts no more.
          ["plan", 1, 1, 0, 0, 20 * s],
          // Current from the first plan submission on, through the migration.
          ["confirm", 1, 1, 0, 0, 80 * s],
        ],
      },
    ]);
  });

  it("counts the time a flow spent expired before its recovery in its step's time", async () => {
    const store = createMemoryStore();
    const service = createFlowService({ flows: [signupV1], store });
    const { flowId } = await service.start("signup", at(0));
    await service.submit(
      "signup",
      flowId,
      "contact",
      { name: "Ada", email: "a@b.example" },
      at(10 * s),
    );
    // The flow's time to live is an hour: it expires, then is brought back.
    await service.recover("signup", flowId, at(7_200 * s));
    await service.submit("signup", flowId, "plan", { tier: "team" }, at(7_210 * s));
    const report = await computeFunnel({ store, registry: createRegistry([signupV1]), ...window });
    expect(figures(report)[0]?.steps[1]).toEqual(["plan", 1, 1, 0, 0, 7_200 * s]);
  });

  it("takes percentiles by nearest rank", () => {
    expect(nearestRank([], 0.5)).toBeNull();
    expect(nearestRank([7], 0.9)).toBe(7);
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
  });
});
