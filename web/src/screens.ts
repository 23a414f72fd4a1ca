import { formOf } from "../../src/form/index.ts";
import type { FieldError, Flow, Step } from "./api.ts";
import { h } from "./dom.ts";
import { type ErrorEntry, hasRequired, renderFields, type StepFields } from "./form.ts";
import { progress } from "./progress.ts";
import { type SummaryEntry, summaryList } from "./summary.ts";

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
  /** The locale dates are written in. */
  locale: string;
  onSubmit(): void;
  /** Absent when no done step comes before this one. */
  onBack: (() => void) | undefined;
  onCopy(input: HTMLInputElement): void;
}

/** One done step in the completion summary. */
export interface SummarySection {
  title: string;
  entries: readonly SummaryEntry[];
}

/** The completed flow: what was submitted, step by step. */
export function doneScreen(
  flow: Flow,
  sections: readonly SummarySection[],
  locale: string,
  onStart: () => void,
): Screen {
  const heading = h("h2", { id: "done-title", tabindex: -1 }, "All done");
  return {
    title: `Done – ${flow.title}`,
    focus: heading,
    nodes: [
      h("h1", {}, flow.title),
      progress(flow.steps, undefined),
      h(
        "section",
        { class: "panel", "aria-labelledby": "done-title" },
        heading,
        h("p", { class: "lead" }, "Thank you. This is what you submitted:"),
        ...sections.map((section) =>
          h(
            "div",
            { class: "summary" },
            h("h3", {}, section.title),
            summaryList(section.entries, locale),
          ),
        ),
      ),
      h("button", { type: "button", class: "secondary", onclick: onStart }, "Start a new one"),
    ],
  };
}

/** A step's form, with progress, errors, Back and the link to continue later. */
export function stepScreen(flow: Flow, step: StepView, options: StepScreenOptions): StepScreen {
  const model = formOf(step.schema);
  const fields = renderFields(model, step.data);
  const applicable = flow.steps.filter((candidate) => candidate.status !== "skipped");
  const position = applicable.findIndex((candidate) => candidate.number === step.number) + 1;
  const isLast = applicable.at(-1)?.number === step.number;
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
  const submit = h("button", { type: "submit", class: "primary" }, isLast ? "Finish" : "Continue");
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
    hasRequired(model) && h("p", { class: "hint" }, "Fields marked * are required."),
    fields.element,
    h(
      "div",
      { class: "actions" },
      options.onBack &&
        h("button", { type: "button", class: "secondary", onclick: options.onBack }, "Back"),
      submit,
    ),
  );

  /** Fills the summary above the form, each entry linked to its field when it has one. */
  function list(entries: readonly ErrorEntry[]): void {
    summary.replaceChildren(
      h("h3", {}, "There is a problem"),
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
                  { type: "button", class: "link", onclick: () => target.focus() },
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
    title: `${step.title} – ${flow.title}`,
    focus: opensWithErrors ? summary : heading,
    fields,
    nodes: [
      h("h1", {}, flow.title),
      progress(flow.steps, step.number),
      h(
        "section",
        { class: "panel", "aria-labelledby": "step-title" },
        h("p", { class: "position" }, `Step ${position} of ${applicable.length}`),
        heading,
        hasNotice && h("p", { class: "notice", id: "notice" }, options.notice ?? ""),
        summary,
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

function continueLater(flow: Flow, options: StepScreenOptions): HTMLElement {
  const input = h("input", {
    id: "resume-link",
    type: "url",
    readonly: true,
    value: options.resumeUrl,
    "aria-describedby": "resume-warning",
  });
  return h(
    "aside",
    { class: "later", "aria-labelledby": "later-title" },
    h("h2", { id: "later-title" }, "Continue later"),
    h(
      "p",
      {},
      "Your answers so far are saved. Bookmark this page or keep this link to come back until ",
      h(
        "time",
        { datetime: flow.expiresAt, lang: options.locale },
        new Intl.DateTimeFormat(options.locale, { dateStyle: "long", timeStyle: "short" }).format(
          new Date(flow.expiresAt),
        ),
      ),
      ".",
    ),
    options.linkMoves &&
      h(
        "p",
        { class: "notice" },
        "This link changes after every step, and an older link opens your older answers: copy it again before you leave.",
      ),
    h("label", { for: "resume-link" }, "Link to continue later"),
    h(
      "div",
      { class: "copy" },
      input,
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => options.onCopy(input) },
        "Copy link",
      ),
    ),
    h(
      "p",
      { class: "hint", id: "resume-warning" },
      "Anyone with this link can see and change your answers.",
    ),
  );
}
