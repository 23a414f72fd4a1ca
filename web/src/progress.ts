import type { DescribedStep, StepState } from "./api.ts";
import { h } from "./dom.ts";

type Shown = StepState["status"] | "editing";

const statusText: Readonly<Record<Shown, string>> = {
  done: "Done",
  editing: "Editing",
  current: "Current",
  pending: "To do",
  skipped: "Skipped",
  undecided: "To be decided",
};

/**
 * Every step with its status in words, the one on screen marked `aria-current="step"`.
 * A done step on screen is being edited.
 *
 * @example progress(flow.steps, 2)
 */
export function progress(steps: readonly StepState[], onScreen: number | undefined): HTMLElement {
  return h(
    "nav",
    { class: "progress", "aria-label": "Progress" },
    h(
      "ol",
      {},
      ...steps.map((step) => {
        const shown: Shown =
          step.number === onScreen && step.status === "done" ? "editing" : step.status;
        return h(
          "li",
          { class: `step ${shown}`, "aria-current": step.number === onScreen ? "step" : undefined },
          h("span", { class: "marker", "aria-hidden": "true" }, marker(shown, step.number)),
          h("span", { class: "name" }, step.title),
          h("span", { class: "state" }, statusText[shown]),
        );
      }),
    ),
  );
}

function marker(shown: Shown, number: number): string {
  if (shown === "done") return "✓";
  if (shown === "skipped") return "–";
  return String(number);
}

/**
 * What lies ahead before a flow starts, from its description: every step in the look of
 * the progress list, a step that applies to some flows only marked as such.
 *
 * @example stepsAhead(description.steps)
 */
export function stepsAhead(steps: readonly DescribedStep[]): HTMLElement {
  return h(
    "section",
    { class: "progress ahead", "aria-labelledby": "ahead-title" },
    h("h2", { id: "ahead-title" }, "The steps"),
    h(
      "ol",
      {},
      ...steps.map((step) =>
        h(
          "li",
          { class: `step ${step.conditional ? "conditional" : "pending"}` },
          h("span", { class: "marker", "aria-hidden": "true" }, String(step.number)),
          h("span", { class: "name" }, step.title),
          h("span", { class: "state" }, step.conditional ? "Only if it applies" : "To do"),
        ),
      ),
    ),
  );
}
