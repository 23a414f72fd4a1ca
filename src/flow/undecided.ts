import type { DefinedStep, FlowData, FlowDefinition, StepState } from "./types.ts";
import { asBoolean, runUserCode } from "./user-code.ts";

/**
 * The plan as clients are shown it. A step after the current one whose `when` reads the
 * data of a step that is not settled yet (not done, or not skipped before the current
 * step) is `undecided`, whatever `when` answers today: that answer can still change.
 * Every other status is the plan's. `when` runs once more per such step, on the same
 * data, so it must be a pure function of it (as the engine already assumes).
 *
 * @throws WaymarkError `definition-error` when a `when` throws or answers a non-boolean
 * @example showPlan(onboarding, planSteps(onboarding, {}), {}).map((s) => s.status)
 * // ["current", "pending", "undecided", "pending"]
 */
export function showPlan(
  definition: FlowDefinition,
  plan: readonly StepState[],
  data: FlowData,
): StepState[] {
  const current = plan.find((state) => state.status === "current");
  if (!current) return [...plan];
  const shown: StepState[] = [];
  const settled = (name: string) => {
    const state = shown.find((candidate) => candidate.name === name);
    if (state) return state.status === "done" || state.status === "skipped";
    // A step not shown yet comes after this one: settled only once its data is in.
    return plan.find((candidate) => candidate.name === name)?.status === "done";
  };
  for (const state of plan) {
    const step = definition.steps[state.number - 1];
    const waits =
      step?.when !== undefined &&
      state.number > current.number &&
      state.status !== "done" &&
      readsOf(definition, step, data).some((name) => name !== step.name && !settled(name));
    shown.push(waits ? { ...state, status: "undecided" } : state);
  }
  return shown;
}

/** The steps whose data a step's `when` reads (by key, `in`, or listing the keys). */
function readsOf(definition: FlowDefinition, step: DefinedStep, data: FlowData): string[] {
  const names = new Set<string>();
  let listed = false;
  const traced = new Proxy(data, {
    get(target, key, receiver) {
      if (typeof key === "string") names.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") names.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") names.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      listed = true;
      return Reflect.ownKeys(target);
    },
  });
  const site = { flow: definition.name, step: step.name, hook: "when" } as const;
  runUserCode(site, () => asBoolean(step.when?.(traced)));
  const steps = definition.steps.map((candidate) => candidate.name);
  return listed ? steps : steps.filter((name) => names.has(name));
}
