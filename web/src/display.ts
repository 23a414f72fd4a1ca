import type { CurrentStep, FieldError, Flow, FlowHandle, Problem } from "./api.ts";
import { t } from "./i18n/screen-messages.ts";
import { expiredScreen, failureScreen, goneScreen } from "./messages.ts";
import { flowTitle, show, showBuilt } from "./page.ts";
import { type AnswerSection, answers, review } from "./review.ts";
import { doneScreen, type StepScreen, type StepView, stepScreen } from "./screens.ts";

/*
 * From the flow as it stands to the screen that shows it: the current step's form (with
 * the review above the final one), a step a new version sent back, the summary once
 * completed, or what a problem means for the person.
 */

/** What was typed on a step's screen and sent. */
export interface Draft {
  step: StepView;
  data: Record<string, unknown>;
}

/** How a screen is shown: with focus moved to it, and perhaps a notice or errors. */
export interface ShowOptions {
  focus: boolean;
  notice?: string;
  errors?: readonly FieldError[];
}

/** What the screens' buttons do: the controller's navigation and writes. */
export interface Actions {
  start(): void;
  /** Opens the flow the page's address names. */
  open(): void;
  submit(step: StepView, screen: StepScreen): void;
  /** Opens a done step's form with its saved answers. */
  edit(number: number): void;
  recover(flow: FlowHandle, draft: Draft | undefined): void;
  copy(input: HTMLInputElement): void;
  /** Makes `flow` the flow on screen. */
  adopt(flow: FlowHandle): void;
  /** Forgets the flow on screen (it expired), and stops following it. */
  release(): void;
  /** Forgets it in this browser too (it is gone). */
  forget(): void;
}

/** The page's state the screens read: the flow on screen and whether its link moves. */
export interface Shown {
  handle: FlowHandle | undefined;
  linkMoves: boolean;
  /** The step whose form is on screen, if one is; set by {@link Display.showStep}. */
  form: { step: StepView; screen: StepScreen } | undefined;
}

/**
 * The functions that show flows, steps and problems, each clicking back into `actions`.
 *
 * @example const { showFlow, showStep, showProblem } = display(actions, state);
 */
export function display(actions: Actions, state: Shown) {
  /** Shows the handle's flow at its current step, or the summary once it is completed. */
  async function showFlow(
    shown: FlowHandle,
    options: ShowOptions,
    current: () => boolean,
  ): Promise<void> {
    const flow = shown.latest;
    if (!flow) return;
    actions.adopt(shown);
    const step = flow.currentStep;
    if (flow.status === "in_progress" && step?.errors?.length) {
      await showSentBack(shown, step, options, current);
    } else if (flow.status === "in_progress" && step) {
      await showStep({ ...step, data: null }, options, current);
    } else {
      const sections = await answerSections(shown, flow, undefined);
      if (!current()) return;
      state.form = undefined;
      show(doneScreen(flow, sections, actions.start), options.focus, () => {
        void showFlow(shown, { focus: false }, () => state.handle === shown);
      });
    }
  }

  /**
   * The current step when a new version of the flow sent it back: its form filled with
   * what had been entered (from the step's own representation), the errors beside their
   * fields as after a refused submit, and a notice saying why. Focus goes to the errors,
   * even on a page load: they are what to read first.
   */
  async function showSentBack(
    shown: FlowHandle,
    step: CurrentStep,
    options: ShowOptions,
    current: () => boolean,
  ): Promise<void> {
    const read = await shown.step(step.number);
    if (!current()) return;
    // Unread, the form still opens with the errors, only empty.
    const view = read.ok ? read.value : { ...step, data: null };
    const errors = (read.ok ? read.value.errors : undefined) ?? step.errors ?? [];
    const changed = t("changedFormNotice");
    const notice = options.notice ? `${options.notice} ${changed}` : changed;
    await showStep(view, { focus: true, notice, errors }, current);
  }

  /**
   * A step's form. On the final step, once every other applicable step is done, the
   * answers so far are read and shown above it for review, each with "Change".
   */
  async function showStep(
    step: StepView,
    options: ShowOptions,
    current: () => boolean,
  ): Promise<void> {
    const shown = state.handle;
    const flow = shown?.latest;
    if (!shown || !flow) return;
    const sections = isFinal(flow, step.number)
      ? await answerSections(shown, flow, step.number)
      : undefined;
    if (!current()) return;
    const previous = flow.steps.filter((s) => s.number < step.number && s.status === "done").at(-1);
    const screen: StepScreen = stepScreen(flow, step, {
      notice: options.notice,
      errors: options.errors,
      resumeUrl: location.href,
      linkMoves: state.linkMoves,
      review: sections && sections.length > 0 ? review(sections, actions.edit) : undefined,
      onSubmit: () => actions.submit(step, screen),
      onBack: previous ? () => actions.edit(previous.number) : undefined,
      onCopy: actions.copy,
    });
    show(screen, options.focus, () => void again(step, screen, options.notice));
    state.form = { step, screen };
  }

  /**
   * The step on screen in the newly chosen language: its title, labels and the flow's
   * statuses read again, what was typed kept.
   */
  async function again(step: StepView, screen: StepScreen, notice: string | undefined) {
    const shown = state.handle;
    if (!shown) return;
    const typed = screen.fields.read();
    const onScreen = () => state.form?.screen === screen && state.handle === shown;
    await shown.get();
    const read = await shown.step(step.number);
    if (!onScreen()) return;
    const view = read.ok ? read.value : step;
    // The errors shown stay shown: a language switch is no answer to them.
    const errors = screen.fields.shownErrors();
    await showStep(
      { ...view, data: typed },
      { focus: false, ...(notice ? { notice } : {}), ...(errors.length > 0 ? { errors } : {}) },
      onScreen,
    );
  }

  /**
   * A flow that could not be read or written: expired but still kept (a 410 that offers
   * `recover`), gone for good (404, 410), or not available right now. `draft` is what
   * was being sent when it turned out expired, to put back on its step once recovered.
   */
  function showProblem(
    problem: Problem,
    retry: () => void,
    flow?: FlowHandle,
    draft?: Draft,
  ): void {
    state.form = undefined;
    const offer = recoveryOffered(problem);
    if (flow && offer) {
      actions.release();
      const onContinue = () => actions.recover(flow, draft);
      showBuilt(() => expiredScreen(flowTitle(), offer.until, onContinue, actions.start), true);
      return;
    }
    if (problem.status === 404 || problem.status === 410) {
      actions.release();
      actions.forget();
      showBuilt(() => goneScreen(flowTitle(), actions.start), true);
      return;
    }
    const reason = () =>
      problem.status === 0 ? t("unreachable") : t("serverSaid", { detail: problem.detail });
    showBuilt(() => failureScreen(flowTitle(), reason(), retry), true);
  }

  return { showFlow, showStep, showProblem };
}

/** Whether step `number` is the flow's final one, with every other applicable step done. */
function isFinal(flow: Flow, number: number): boolean {
  const applicable = flow.steps.filter((step) => step.status !== "skipped");
  return (
    applicable.at(-1)?.number === number &&
    applicable.every((step) => step.number === number || step.status === "done")
  );
}

/** Each done step's answers (but `except`'s), labelled from its schema. */
async function answerSections(
  shown: FlowHandle,
  flow: Flow,
  except: number | undefined,
): Promise<AnswerSection[]> {
  const done = flow.steps.filter((step) => step.status === "done" && step.number !== except);
  const steps = await Promise.all(done.map((step) => shown.step(step.number)));
  return done.map((step, index) => {
    const fetched = steps[index];
    const data = flow.data[step.name] ?? {};
    // Without the schema the names still read well enough.
    const schema = fetched?.ok
      ? fetched.value.schema
      : { properties: Object.fromEntries(Object.keys(data).map((key) => [key, {}])) };
    const title = fetched?.ok ? fetched.value.title : step.title;
    return { number: step.number, title, answers: answers(schema, data) };
  });
}

/** What a 410 offers for a flow that expired but is kept: until when (if it says), else nothing. */
function recoveryOffered(problem: Problem): { until: Date | undefined } | undefined {
  const link = problem.recover;
  if (problem.status !== 410 || typeof link !== "object" || link === null) return undefined;
  const until = new Date(String(problem.recoverableUntil));
  return { until: Number.isNaN(until.getTime()) ? undefined : until };
}
