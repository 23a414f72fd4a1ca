import { formOf } from "../../src/form/index.ts";
import type { FieldError, Flow, Step } from "./api.ts";
import { h } from "./dom.ts";
import { type ErrorEntry, hasRequired, renderFields, type StepFields } from "./form.ts";
import { dateTime } from "./i18n/format.ts";
import { t } from "./i18n/screen-messages.ts";
import { announce } from "./page.ts";
import { position, progress } from "./progress.ts";
import { type AnswerSection, summarySections } from "./review.ts";

/** What the page shows: its title, its content, and where focus goes after a change. */
export interface Screen {
  title: string;
  nodes: Node[];
  focus: HTMLElement;
}

/** The part of a step the form needs; the current step's comes from the flow itself. */
export type StepView = Pick<Step, "number" | "name" | "title" | "href" | "schema" | "data">;

/** A step's form, with the hooks the controller drives after a submit. */
export interface StepScreen extends Screen {
  fields: StepFields;
  showErrors(entries: readonly ErrorEntry[]): void;
  setBusy(busy: boolean): void;
}

/** What a step screen needs besides the flow and the step. */
export interface StepScreenOptions {
  /** Said above the form, e.g. after another tab moved the flow on. */
  notice: string | undefined;
  /**
   * Field errors the form opens with (a step a new definition version sent back), shown
   * as a refused submit's are, focus on their summary, which the notice then describes.
   */
  errors: readonly FieldError[] | undefined;
  resumeUrl: string;
  /** True once a write gave the flow a new id (token mode): older links open older answers. */
  linkMoves: boolean;
  /** On the final step: the review of every answer, shown above the form. */
  review: HTMLElement | undefined;
  onSubmit(): void;
  /** Absent when no done step comes before this one. */
  onBack: (() => void) | undefined;
  onCopy(input: HTMLInputElement): void;
}

/** The completed flow: what was submitted, step by step. */
export function doneScreen(
  flow: Flow,
  sections: readonly AnswerSection[],
  onStart: () => void,
): Screen {
  const heading = h("h2", { id: "done-title", tabindex: -1 }, t("allDone"));
  return {
    title: t("doneTitle", { flow: flow.title }),
    focus: heading,
    nodes: [
      h("h1", {}, flow.title),
      progress(flow.steps, undefined),
      h(
        "section",
        { class: "panel", "aria-labelledby": "done-title" },
        heading,
        h("p", { class: "lead" }, t("doneLead")),
        ...summarySections(sections),
      ),
      h("button", { type: "button", class: "secondary", onclick: onStart }, t("startNew")),
    ],
  };
}

/** A step's form, with progress, errors, Back and the link to continue later. */
export function stepScreen(flow: Flow, step: StepView, options: StepScreenOptions): StepScreen {
  const model = formOf(step.schema);
  const fields = renderFields(model, step.data, announce);
  const isLast =
    flow.steps.filter((candidate) => candidate.status !== "skipped").at(-1)?.number === step.number;
  const hasNotice = options.notice !== undefined;
  const opening = options.errors ?? [];
  const opensWithErrors = opening.length > 0;
  // Focus lands on the heading, or on the error summary when the form opens with errors;
  // the notice is its description, so it is read out too.
  const heading = h(
    "h2",
    { id: "step-title", tabindex: -1, "aria-describedby": hasNotice ? "notice" : undefined },
    step.title,
  );
  const summary = h("div", {
    class: "error-summary",
    role: "alert",
    tabindex: -1,
    hidden: true,
    "aria-describedby": opensWithErrors && hasNotice ? "notice" : undefined,
  });
  const submit = h("button", { type: "submit", class: "primary" }, t(isLast ? "finish" : "next"));
  const form = h(
    "form",
    {
      // The server decides what is valid; its messages appear beside the fields.
      novalidate: true,
      "aria-labelledby": "step-title",
      onsubmit: (event: Event) => {
        event.preventDefault();
        options.onSubmit();
      },
    },
    hasRequired(model) && h("p", { class: "hint" }, t("requiredHint")),
    fields.element,
    h(
      "div",
      { class: "actions" },
      options.onBack &&
        h("button", { type: "button", class: "secondary", onclick: options.onBack }, t("back")),
      submit,
    ),
  );

  /** Where an error's link goes when its own field is gone. */
  const nearest = (): HTMLElement =>
    fields.element.querySelector<HTMLElement>('[aria-invalid="true"]') ??
    fields.element.querySelector<HTMLElement>("input, select, textarea") ??
    heading;

  /** Fills the summary above the form, each entry linked to its field when it has one. */
  function list(entries: readonly ErrorEntry[]): void {
    summary.replaceChildren(
      h("h3", {}, t("problem")),
      h(
        "ul",
        {},
        ...entries.map((entry) => {
          const target = entry.target;
          return h(
            "li",
            {},
            target
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    // A row or variant removed since: the first field marked, else the first input.
                    onclick: () => (target.isConnected ? target : nearest()).focus(),
                  },
                  entry.message,
                )
              : entry.message,
          );
        }),
      ),
    );
    summary.hidden = false;
  }
  if (opensWithErrors) list(fields.showErrors(opening));

  return {
    title: t("stepTitle", { step: step.title, flow: flow.title }),
    focus: opensWithErrors ? summary : heading,
    fields,
    nodes: [
      h("h1", {}, flow.title),
      progress(flow.steps, step.number),
      h(
        "section",
        { class: "panel", "aria-labelledby": "step-title" },
        h("p", { class: "position" }, position(flow.steps, step.number)),
        heading,
        hasNotice && h("p", { class: "notice", id: "notice" }, options.notice ?? ""),
        summary,
        options.review,
        form,
      ),
      continueLater(flow, options),
    ],
    showErrors(entries) {
      list(entries);
      summary.focus();
    },
    setBusy(busy) {
      form.setAttribute("aria-busy", String(busy));
      submit.setAttribute("aria-disabled", String(busy));
    },
  };
}

/**
 * The link to come back with, and until when it works. It says the answers are saved
 * only once a step is done: before that there is nothing saved to speak of.
 */
function continueLater(flow: Flow, options: StepScreenOptions): HTMLElement {
  const input = h("input", {
    id: "resume-link",
    type: "url",
    // A URL reads left to right in any language: in Arabic, too, it starts at the left.
    dir: "ltr",
    readonly: true,
    value: options.resumeUrl,
    "aria-describedby": "resume-warning",
  });
  const until = h("time", { datetime: flow.expiresAt }, dateTime(new Date(flow.expiresAt)));
  const saved = flow.steps.some((step) => step.status === "done");
  return h(
    "aside",
    { class: "later", "aria-labelledby": "later-title" },
    h("h2", { id: "later-title" }, t("laterHeading")),
    h("p", {}, ...around(t(saved ? "laterSaved" : "laterUnsaved", { until: slot }), until)),
    options.linkMoves && h("p", { class: "notice" }, t("linkMoves")),
    h("label", { for: "resume-link" }, t("laterLabel")),
    h(
      "div",
      { class: "copy" },
      input,
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => options.onCopy(input) },
        t("copyLink"),
      ),
    ),
    h("p", { class: "hint", id: "resume-warning" }, t("laterWarning")),
  );
}

/** Stands for an element inside a translated sentence; a private-use character no text holds. */
const slot = "\uE000";

/** A translated sentence with `node` where it says {@link slot}. */
function around(text: string, node: Node): (string | Node)[] {
  const [before = "", ...after] = text.split(slot);
  return [before, node, after.join("")];
}
