import type { Reporter, TestModule, TestRunEndReason, Vitest } from "vitest/node";

/** The part of a vitest `TestModule` the count reads. */
export interface ModuleOutcome {
  state(): string;
  children: { allTests(): Iterable<{ result(): { state: string } }> };
}

/** How many tests passed, failed and were skipped, with failures outside tests counted in. */
export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts a finished run. Besides failed tests, each of these is one failure: an unhandled
 * error; a module that failed with no failed test (it did not import, collected no tests,
 * or a `beforeAll`/`afterAll` hook threw); and a run that vitest calls failed or
 * interrupted while nothing above failed, which is how a global setup that threw shows up
 * (vitest reports no modules and no errors then).
 *
 * @example
 * summarize([], [], "failed"); // { passed: 0, failed: 1, skipped: 0 }
 */
export function summarize(
  modules: ReadonlyArray<ModuleOutcome>,
  unhandledErrors: ReadonlyArray<unknown>,
  reason: TestRunEndReason,
): Summary {
  const summary = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
  for (const module of modules) {
    let failedTests = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") summary.passed += 1;
      else if (state === "failed") failedTests += 1;
      else summary.skipped += 1;
    }
    summary.failed += module.state() === "failed" ? Math.max(failedTests, 1) : failedTests;
  }
  if (reason !== "passed" && summary.failed === 0) summary.failed = 1;
  return summary;
}

/**
 * Prints one closing line, `N passed, N failed, N skipped`, after every run so CI and
 * people read the same verdict. A run that failed never reads `0 failed`.
 */
export default class SummaryReporter implements Reporter {
  private line = "";
  private watching = false;

  onInit(vitest: Vitest): void {
    // vitest prints a global setup's error after the run has ended, so a single run writes
    // the line on close, after that error, to keep it last. Watch mode never closes.
    this.watching = vitest.config.watch;
    if (!this.watching) vitest.onClose(() => this.print());
  }

  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): void {
    const { passed, failed, skipped } = summarize(modules, unhandledErrors, reason);
    this.line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
    if (this.watching) this.print();
  }

  private print(): void {
    if (this.line) process.stdout.write(`\n${this.line}\n`);
  }
}
