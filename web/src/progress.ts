import type { DescribedStep, StepState } from "./api.ts";
import { h } from "./dom.ts";
import { formatLocale } from "./i18n/format.ts";
import { pageLocale } from "./i18n/locale.ts";
import { type ScreenMessage, t } from "./i18n/screen-messages.ts";

type Shown = StepState["status"] | "editing";

const statusText: Readonly<Record<Shown, ScreenMessage>> = {
  done: "statusDone",
  editing: "statusEditing",
  current: "statusCurrent",
  pending: "statusPending",
  skipped: "statusSkipped",
  undecided: "statusUndecided",
};

/**
 * Every step with its status in words, the one on screen marked `aria-current="step"`.
 * A done step on screen is being edited; a step whose applying depends on an answer not
 * given yet is "To be decided", never "Skipped".
 *
 * @example progress(flow.steps, 2)
 */
export function progress(steps: readonly StepState[], onScreen: number | undefined): HTMLElement {
  return h(
    "nav",
    { class: "progress", "aria-label": t("progress") },
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
          h("span", { class: "state" }, t(statusText[shown])),
        );
      }),
    ),
  );
}

function marker(shown: Shown, number: number): string {
  if (shown === "done") return "✓";
  if (shown === "skipped") return "–";
  // Arabic writes its question mark mirrored.
  if (shown === "undecided") return pageLocale() === "ar" ? "؟" : "?";
  return numeral(number);
}

/** A step number in the page's digits, as the position line writes it. */
function numeral(number: number): string {
  return new Intl.NumberFormat(formatLocale()).format(number);
}

/**
 * Where step `onScreen` stands among the steps known to apply, and how many more may
 * follow once an answer decides them: "Step 1 of 3, 1 more to be decided".
 *
 * @example position(flow.steps, 1) // "Step 1 of 3, 1 more to be decided"
 */
export function position(steps: readonly StepState[], onScreen: number): string {
  const known = steps.filter((step) => step.status !== "skipped" && step.status !== "undecided");
  return t("position", {
    position: known.findIndex((step) => step.number === onScreen) + 1,
    total: known.length,
    undecided: steps.filter((step) => step.status === "undecided").length,
  });
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
    h("h2", { id: "ahead-title" }, t("stepsAhead")),
    h(
      "ol",
      {},
      ...steps.map((step) =>
        h(
          "li",
          { class: `step ${step.conditional ? "conditional" : "pending"}` },
          h("span", { class: "marker", "aria-hidden": "true" }, numeral(step.number)),
          h("span", { class: "name" }, step.title),
          h("span", { class: "state" }, t(step.conditional ? "onlyIfApplies" : "statusPending")),
        ),
      ),
    ),
  );
}
