import type { JsonSchema } from "./api.ts";
import { h } from "./dom.ts";
import { formatLocale } from "./i18n/format.ts";
import { t } from "./i18n/screen-messages.ts";
import { stepSummary } from "./summary.ts";

/** One done step's answers, as the review and the completion summary show them. */
export interface AnswerSection {
  number: number;
  title: string;
  /** The answers, rendered: see {@link answers}. */
  answers: HTMLElement;
}

/**
 * A step's saved answers as a list a person reads (nested for objects and lists),
 * labelled from the step's schema and written in the page's language. The one place
 * that turns answers into what the review and the summary show.
 *
 * @example answers(step.schema, flow.data["personal-info"])
 */
export function answers(schema: JsonSchema, data: Readonly<Record<string, unknown>>): HTMLElement {
  return stepSummary(schema, data, formatLocale());
}

/** The completion summary's sections: each done step's title over its answers. */
export function summarySections(sections: readonly AnswerSection[]): HTMLElement[] {
  return sections.map((section) =>
    h("div", { class: "summary" }, h("h3", {}, section.title), section.answers),
  );
}

/**
 * The review above the final step's form: every done step's answers, each with a
 * "Change" button (named "Change Personal information") that opens that step's form.
 *
 * @example review(sections, (number) => void edit(number))
 */
export function review(
  sections: readonly AnswerSection[],
  onChange: (number: number) => void,
): HTMLElement {
  return h(
    "section",
    { class: "review", "aria-labelledby": "review-title" },
    h("h3", { id: "review-title" }, t("reviewHeading")),
    h("p", {}, t("reviewLead")),
    ...sections.map((section) =>
      h(
        "div",
        { class: "summary" },
        h(
          "div",
          { class: "summary-head" },
          h("h4", {}, section.title),
          h(
            "button",
            {
              type: "button",
              class: "secondary change",
              "aria-label": t("changeStep", { step: section.title }),
              onclick: () => onChange(section.number),
            },
            t("change"),
          ),
        ),
        section.answers,
      ),
    ),
  );
}
