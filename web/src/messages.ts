import type { FlowDescription } from "./api.ts";
import { h } from "./dom.ts";
import { stepsAhead } from "./progress.ts";
import type { Screen } from "./screens.ts";

// The screens around the steps: a heading, a sentence and a button or two.

/** The start screen, which lists the steps ahead once the flow's description arrives. */
export interface StartScreen extends Screen {
  showAhead(description: FlowDescription): void;
}

/**
 * The first screen: nothing is created until the person presses Start. With a flow left
 * unfinished in this browser, it offers to continue that one first. Below the buttons,
 * so that nothing above them moves, it lists the steps ahead from the flow's description.
 */
export function startScreen(
  flowTitle: string,
  onStart: () => void,
  onResume: (() => void) | undefined,
): StartScreen {
  const slot = h("div", { class: "ahead-slot" });
  const screen = onResume
    ? message(
        flowTitle,
        flowTitle,
        "You have started this before in this browser. Continue where you left off, or start again from the beginning.",
        slot,
        { label: "Continue where you left off", action: onResume },
        { label: "Start again", action: onStart },
      )
    : message(
        flowTitle,
        flowTitle,
        "Your answers are saved after each step, so you can stop at any time and continue later from the same link.",
        slot,
        { label: "Start", action: onStart },
      );
  return {
    ...screen,
    showAhead(description) {
      if (description.steps.length === 0) return;
      slot.replaceChildren(
        stepsAhead(description.steps),
        h(
          "p",
          { class: "hint" },
          `Answers are kept for ${duration(description.ttlMs)} after the last change.`,
        ),
      );
    },
  };
}

/** A time to live in words, in the largest unit that states it exactly: "7 days", "90 minutes". */
function duration(ms: number): string {
  const units = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1_000],
  ] as const;
  const [unit, size] = units.find(([, size]) => ms >= size && ms % size === 0) ?? ["second", 1_000];
  const format = new Intl.NumberFormat("en", { style: "unit", unit, unitDisplay: "long" });
  return format.format(Math.round(ms / size));
}

/** For a link to a flow that is unknown, malformed or expired. */
export function goneScreen(flowTitle: string, onStart: () => void): Screen {
  return message(
    `Link not valid – ${flowTitle}`,
    "This link has expired or is not valid",
    "Answers are kept for a limited time after their last change, and a link only works when it is complete. You can start again from the beginning.",
    undefined,
    { label: "Start again", action: onStart },
  );
}

/**
 * For a link to a flow that expired but is still kept (its 410 offers `recover`):
 * continuing brings it back with every answer. `until` is when it stops being kept.
 */
export function expiredScreen(
  flowTitle: string,
  until: Date | undefined,
  locale: string,
  onContinue: () => void,
  onStart: () => void,
): Screen {
  const kept = until
    ? `Your answers are kept until ${new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short" }).format(until)}.`
    : "Your answers are still kept.";
  return message(
    `Session expired – ${flowTitle}`,
    "Your session has expired",
    `Nothing was saved for a while, so this flow was put aside. ${kept} You can continue where you left off, or start again from the beginning.`,
    undefined,
    { label: "Continue where you left off", action: onContinue },
    { label: "Start again", action: onStart },
  );
}

/** For a flow that could not be read: the link may still be good, so it is kept. */
export function failureScreen(flowTitle: string, reason: string, onRetry: () => void): Screen {
  return message(
    `Not available – ${flowTitle}`,
    "We can’t show this flow right now",
    reason,
    undefined,
    {
      label: "Try again",
      action: onRetry,
    },
  );
}

interface Choice {
  label: string;
  action: () => void;
}

/** A heading, a sentence, a button or two, and perhaps more below: the screens around the steps. */
function message(
  title: string,
  heading: string,
  text: string,
  more: HTMLElement | undefined,
  primary: Choice,
  secondary?: Choice,
): Screen {
  const focus = h("h1", { tabindex: -1 }, heading);
  return {
    title,
    focus,
    nodes: [
      focus,
      h("p", { class: "lead" }, text),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", class: "primary", onclick: primary.action }, primary.label),
        secondary &&
          h(
            "button",
            { type: "button", class: "secondary", onclick: secondary.action },
            secondary.label,
          ),
      ),
      ...(more ? [more] : []),
    ],
  };
}

// Notices above a step's form, and what the live region says around a recovery.

/** Above a step a new version of the flow sent back: its errors are shown beside the fields. */
export const changedFormNotice =
  "This form has changed since you started. Please check the highlighted answers.";

/** Above the step that was being saved when the flow expired, filled with what was typed. */
export const keptAnswersNotice =
  "Your session is back. What you had typed on this step is still here but not saved yet: check it and continue.";

/** Said while an expired flow is being brought back. */
export const recoveringStatus = "Bringing your answers back…";

/** Said once it is back. */
export const recoveredStatus = "Your answers are back";

/** Said, and shown above the new screen, when another window or device moved the flow on. */
export const updatedElsewhereNotice = "Updated in another window.";
