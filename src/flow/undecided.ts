import type { DefinedStep, FlowData, FlowDefinition, StepState } from "./types.ts";

/**
 * The plan as clients are shown it. A step after the current one whose `when` reads the
 * data of a step that is not settled yet (not done, or not skipped before the current
 * step) is `undecided`, whatever `when` answers today: that answer can still change.
 * Every other status is the plan's. `when` runs once more per such step, on the same
 * data, watched by a `Proxy`; a `when` that cannot run on the proxy (one that calls
 * `structuredClone(data)`, say) keeps the plan's status, since the plan itself already
 * ran it on the data. So showing the plan never fails where planning did not.
 *
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
  const names = definition.steps.map((step) => step.name);
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
      readsOf(step, data, names).some((name) => name !== step.name && !settled(name));
    shown.push(waits ? { ...state, status: "undecided" } : state);
  }
  return shown;
}

/**
 * The steps whose data a step's `when` reads (by key, `in`, or listing the keys); none
 * when it fails on the proxy.
 */
function readsOf(step: DefinedStep, data: FlowData, steps: readonly string[]): string[] {
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
  try {
    step.when?.(traced);
  } catch {
    return [];
  }
  return listed ? [...steps] : steps.filter((name) => names.has(name));
}
