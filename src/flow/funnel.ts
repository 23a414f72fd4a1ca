import type { FunnelReport, FunnelStep, FunnelVersion } from "../contract/funnel.ts";
import { planSteps } from "./engine.ts";
import type { FlowEvent } from "./events.ts";
import type { FlowDefinition, FlowRecord, StepState } from "./types.ts";

// The funnel as a fold: one flow at a time (its record and its event log) into a tally of
// counts and durations, then the report. Pure: no I/O and no clock. The tally keeps
// numbers only, never a record or an event, so its size grows with the number of steps
// and of flows that completed each step (one duration each), not with the data.

/**
 * What the fold keeps between flows: per definition version, counts and the durations
 * of each step. Made by {@link startFunnel}, fed by {@link tallyFlow}, read by
 * {@link finishFunnel}.
 */
export interface FunnelTally {
  readonly flow: string;
  /** Epoch milliseconds: flows created at or after it are counted… */
  readonly since: number;
  /** …and before it. */
  readonly until: number;
  readonly versions: Map<number, VersionTally>;
}

/** One definition version's counts. */
interface VersionTally {
  readonly definition: FlowDefinition;
  /** The plan of a flow just started: the first applicable step, and those skipped before it. */
  readonly startPlan: readonly StepState[];
  started: number;
  completed: number;
  readonly steps: StepTally[];
}

interface StepTally {
  reached: number;
  completed: number;
  stopped: number;
  skipped: number;
  /** Milliseconds from reaching the step to its first submission, one per flow. */
  readonly times: number[];
}

/**
 * A count of one field refused (422) on one step, as a store's `readRejections` gives
 * it: the JSON Pointer as the step's schema declares it, or with `*` for undeclared keys.
 */
export interface RejectedFieldCount {
  definitionVersion: number;
  step: string;
  field: string;
  count: number;
}

/**
 * How many failed fields a step of the report lists at most, most refused first.
 * @default 10
 */
export const failedFieldsShown = 10;

/**
 * An empty tally for the flows named `flow` created in [`since`, `until`) (epoch
 * milliseconds).
 *
 * @example const tally = startFunnel({ flow: "onboarding", since: Date.now() - 7 * 86_400_000, until: Date.now() });
 */
export function startFunnel(window: { flow: string; since: number; until: number }): FunnelTally {
  return { ...window, versions: new Map() };
}

/**
 * Folds one flow into the tally, under the definition version its record is on now
 * (`definition`, which the caller looked up for `record.definitionVersion`). Resolves
 * nothing; returns false, counting nothing, for a record of another flow, another
 * version than `definition`, or created outside the window.
 *
 * What a flow counts, each step at most once per flow:
 * - **reached**: the step became its current step at some time: step 1 (the first step
 *   that applies to no data) when the flow started, a later one once the previous
 *   applicable step was submitted or skipped. Replayed from the log (`step.submitted`,
 *   `step.skipped`, `step.reset`, `flow.migrated` sending steps back), then checked
 *   against the record: its current step, every step it has data for, and every step
 *   before those were reached too (the engine takes steps in order only).
 * - **completed**: the step was submitted at least once; a resubmission (back, edit)
 *   counts no more, and a step whose data an edit dropped later still counts.
 * - **skipped**: the flow went past the step because its `when` was false (a
 *   `step.skipped` event, or a skipped step before the record's current one).
 * - **stopped**: the flow is in progress (expired or not) and this is its current step
 *   now. Each flow in progress stops at exactly one step.
 * - **time**: from the step becoming current to its first submission, both times from
 *   the log (`at`), time spent expired before a `flow.recovered` included. A step with no
 *   known time of reaching (replayed from the record only) has no time.
 *
 * A flow whose log does not begin with `flow.started` (it started before the store kept
 * a log, or the store keeps none: pass no events) is counted from its record alone,
 * without times. A migrated flow counts under the version it is on now: its earlier
 * events are matched to that version's steps by name, and what the migration moved
 * under other names comes from the record.
 *
 * @throws WaymarkError `definition-error` when a step's `when` throws.
 * @example
 * const tally = startFunnel({ flow: "onboarding", since, until });
 * tallyFlow(tally, onboarding, record, await store.readEvents(record.id));
 * const report = finishFunnel(tally, await store.readRejections({ flow: "onboarding", since, until }));
 */
export function tallyFlow(
  tally: FunnelTally,
  definition: FlowDefinition,
  record: FlowRecord,
  events: readonly FlowEvent[],
): boolean {
  if (
    record.flow !== tally.flow ||
    definition.name !== tally.flow ||
    record.definitionVersion !== definition.version ||
    record.createdAt < tally.since ||
    record.createdAt >= tally.until
  ) {
    return false;
  }
  const version = versionTally(tally, definition);
  const path = replay(definition, version.startPlan, events);
  const stoppedAt = settle(path, planSteps(definition, record.data));
  version.started += 1;
  if (stoppedAt === undefined) version.completed += 1;
  version.steps.forEach((step, index) => {
    if (path.reached[index]) step.reached += 1;
    if (path.completed[index]) step.completed += 1;
    if (path.skipped[index]) step.skipped += 1;
    if (stoppedAt === index) step.stopped += 1;
    const time = path.times[index];
    if (time !== undefined) step.times.push(time);
  });
  return true;
}

/**
 * The report of a tally: one funnel per version counted, oldest first, each step's
 * failed fields taken from `rejections` (those of steps the version has; at most
 * {@link failedFieldsShown} per step, most first, then by name).
 *
 * @example finishFunnel(tally, []).versions[0]?.completionRate // 0.7
 */
export function finishFunnel(
  tally: FunnelTally,
  rejections: readonly RejectedFieldCount[],
): FunnelReport {
  const versions = [...tally.versions.values()]
    .sort((a, b) => a.definition.version - b.definition.version)
    .map((version): FunnelVersion => {
      const { definition, started, completed } = version;
      return {
        definitionVersion: definition.version,
        started,
        completed,
        completionRate: started === 0 ? 0 : completed / started,
        steps: definition.steps.map((step, index): FunnelStep => {
          const counts = version.steps[index] as StepTally;
          const times = [...counts.times].sort((a, b) => a - b);
          return {
            number: step.number,
            name: step.name,
            title: step.title,
            reached: counts.reached,
            completed: counts.completed,
            stopped: counts.stopped,
            skipped: counts.skipped,
            timeMs: { median: nearestRank(times, 0.5), p90: nearestRank(times, 0.9) },
            failedFields: failedFields(rejections, definition.version, step.name),
          };
        }),
      };
    });
  return {
    flow: tally.flow,
    since: new Date(tally.since).toISOString(),
    until: new Date(tally.until).toISOString(),
    versions,
  };
}

/**
 * The nearest-rank percentile of sorted numbers: the smallest value with at least
 * `p` of them at or below it (`p` from 0 exclusive to 1); null for none.
 *
 * @example nearestRank([1, 2, 3, 4], 0.5) // 2
 */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
}

function versionTally(tally: FunnelTally, definition: FlowDefinition): VersionTally {
  const found = tally.versions.get(definition.version);
  if (found) return found;
  const created: VersionTally = {
    definition,
    startPlan: planSteps(definition, {}),
    started: 0,
    completed: 0,
    steps: definition.steps.map(() => ({
      reached: 0,
      completed: 0,
      stopped: 0,
      skipped: 0,
      times: [],
    })),
  };
  tally.versions.set(definition.version, created);
  return created;
}

/** What one flow did at each step (by index), as far as its log and record tell. */
interface FlowPath {
  reached: boolean[];
  completed: boolean[];
  skipped: boolean[];
  times: (number | undefined)[];
}

/**
 * Replays a flow's log over its steps: after each write, the first step neither done nor
 * skipped is current, and reached then if it was not before.
 */
function replay(
  definition: FlowDefinition,
  startPlan: readonly StepState[],
  events: readonly FlowEvent[],
): FlowPath {
  const size = definition.steps.length;
  const path: FlowPath = {
    reached: Array(size).fill(false),
    completed: Array(size).fill(false),
    skipped: Array(size).fill(false),
    times: Array(size).fill(undefined),
  };
  const ordered = [...events].sort((a, b) => a.version - b.version || a.index - b.index);
  if (ordered[0]?.type !== "flow.started") return path;
  const indexOf = new Map(definition.steps.map((step, index) => [step.name, index]));
  const marks: ("done" | "skipped" | undefined)[] = Array(size).fill(undefined);
  const reachedAt: (number | undefined)[] = Array(size).fill(undefined);
  const first = startPlan.findIndex((step) => step.status === "current");
  startPlan.forEach((step, index) => {
    if (step.status === "skipped" && (first < 0 || index < first)) {
      marks[index] = "skipped";
      path.skipped[index] = true;
    }
  });
  const advance = (at: number) => {
    const current = marks.indexOf(undefined);
    if (current >= 0 && !path.reached[current]) {
      path.reached[current] = true;
      reachedAt[current] = at;
    }
  };
  for (const [position, event] of ordered.entries()) {
    const index = event.step === undefined ? undefined : indexOf.get(event.step);
    if (event.type === "flow.migrated") {
      for (const name of event.steps ?? []) {
        const back = indexOf.get(name);
        if (back !== undefined) marks[back] = undefined;
      }
    } else if (index !== undefined && event.type === "step.submitted") {
      // Reached unseen (an edit made it apply again): counted, with no time.
      path.reached[index] = true;
      const from = reachedAt[index];
      if (!path.completed[index] && from !== undefined && event.at >= from) {
        path.times[index] = event.at - from;
      }
      path.completed[index] = true;
      marks[index] = "done";
    } else if (index !== undefined && event.type === "step.skipped") {
      marks[index] = "skipped";
      path.skipped[index] = true;
    } else if (index !== undefined && event.type === "step.reset") {
      marks[index] = undefined;
    }
    // The current step is known once the whole write is in.
    if (ordered[position + 1]?.version !== event.version) advance(event.at);
  }
  return path;
}

/**
 * Completes a replayed path with what the record says now, and returns the index of the
 * step the flow stopped at (its current step), or undefined once it is completed.
 * Steps before the furthest one with data (or the current one) were passed: each was
 * submitted or skipped, since the engine takes steps in order.
 */
function settle(path: FlowPath, plan: readonly StepState[]): number | undefined {
  const current = plan.findIndex((step) => step.status === "current");
  // A completed flow went past every step.
  let furthest = current < 0 ? plan.length - 1 : current;
  plan.forEach((step, index) => {
    if (step.status === "done") furthest = Math.max(furthest, index);
  });
  plan.forEach((step, index) => {
    if (index > furthest) return;
    if (step.status === "skipped") {
      if (!path.completed[index]) path.skipped[index] = true;
      return;
    }
    path.reached[index] = true;
    if (index < furthest || step.status === "done") path.completed[index] = true;
  });
  return current < 0 ? undefined : current;
}

function failedFields(
  rejections: readonly RejectedFieldCount[],
  definitionVersion: number,
  step: string,
): FunnelStep["failedFields"] {
  return rejections
    .filter((entry) => entry.definitionVersion === definitionVersion && entry.step === step)
    .map(({ field, count }) => ({ field, count }))
    .sort((a, b) => b.count - a.count || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0))
    .slice(0, failedFieldsShown);
}
