import type { FlowEvent } from "./events.ts";
import type { FlowDefinition, StepState } from "./types.ts";

// One flow's way through its steps, for the funnel: its log replayed, then completed
// with what its record says now.

/** What one flow did at each step (by index), as far as its log and record tell. */
export interface FlowPath {
  reached: boolean[];
  completed: boolean[];
  skipped: boolean[];
  times: (number | undefined)[];
}

/**
 * Replays a flow's log over its steps: after each write, the first step neither done nor
 * skipped is current, and reached then if it was not before. A log that does not begin
 * with `flow.started` tells nothing: the path comes back empty, for {@link settle}.
 *
 * @example replay(onboarding, planSteps(onboarding, {}), events).reached // [true, true, false, false]
 */
export function replay(
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
 *
 * @example settle(path, planSteps(onboarding, record.data)) // 1: stopped at step 2
 */
export function settle(path: FlowPath, plan: readonly StepState[]): number | undefined {
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
