import { describe, expect, it } from "vitest";
import { type ModuleOutcome, summarize } from "./support/summary-reporter.ts";

/** A fake test module: its own state and the states of its tests, as vitest reports them. */
function fakeModule(state: string, tests: string[] = []): ModuleOutcome {
  return {
    state: () => state,
    children: {
      allTests: () => tests.map((testState) => ({ result: () => ({ state: testState }) })),
    },
  };
}

describe("the closing summary line", () => {
  it("counts passed, failed and skipped tests", () => {
    const modules = [
      fakeModule("passed", ["passed", "passed", "skipped"]),
      fakeModule("failed", ["passed", "failed", "failed"]),
    ];
    expect(summarize(modules, [], "failed")).toEqual({ passed: 3, failed: 2, skipped: 1 });
  });

  it("counts each unhandled error as a failure", () => {
    const modules = [fakeModule("passed", ["passed"])];
    expect(summarize(modules, [new Error("a"), new Error("b")], "passed")).toEqual({
      passed: 1,
      failed: 2,
      skipped: 0,
    });
  });

  it("counts a module that failed without tests: it did not import or collected none", () => {
    expect(summarize([fakeModule("failed")], [], "failed")).toEqual({
      passed: 0,
      failed: 1,
      skipped: 0,
    });
  });

  it("counts a module whose hook threw while its tests passed or were skipped", () => {
    const modules = [
      fakeModule("failed", ["passed"]),
      fakeModule("failed", ["skipped", "skipped"]),
    ];
    expect(summarize(modules, [], "failed")).toEqual({ passed: 1, failed: 2, skipped: 2 });
  });

  // Guards against `0 passed, 0 failed` after a global setup threw: vitest reports no modules.
  it("counts a run vitest calls failed or interrupted with nothing else failed", () => {
    expect(summarize([], [], "failed")).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(summarize([fakeModule("passed", ["passed"])], [], "interrupted").failed).toBe(1);
  });

  it("reports no failure for a run that passed", () => {
    const modules = [fakeModule("passed", ["passed", "skipped"])];
    expect(summarize(modules, [], "passed")).toEqual({ passed: 1, failed: 0, skipped: 1 });
  });
});
