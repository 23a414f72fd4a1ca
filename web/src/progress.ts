import type { StepState } from "./api.ts";
import { h } from "./dom.ts";

type Shown = StepState["status"] | "editing";

const statusText: Readonly<Record<Shown, string>> = {
  done: "Done",
  editing: "Editing",
  current: "Current",
  pending: "To do",
  skipped: "Skipped",
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
