import type { FlowDescription } from "./api.ts";
import { h } from "./dom.ts";
import { dateTime, duration } from "./i18n/format.ts";
import { t } from "./i18n/screen-messages.ts";
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
 * so that nothing above them moves, it shows the flow's description (`GET /{flow}`),
 * the steps ahead and how long answers are kept; the heading takes the title the
 * description gives in the page's language.
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
        t("resumeLead"),
        slot,
        { label: t("continueWhereLeft"), action: onResume },
        { label: t("startAgain"), action: onStart },
      )
    : message(flowTitle, flowTitle, t("startLead"), slot, { label: t("start"), action: onStart });
  return {
    ...screen,
    showAhead(description) {
      if (description.title !== flowTitle) {
        screen.focus.textContent = description.title;
        document.title = description.title;
      }
      slot.replaceChildren(
        ...(description.description
          ? [h("p", { class: "description" }, description.description)]
          : []),
        ...(description.steps.length > 0
          ? [
              stepsAhead(description.steps),
              h("p", { class: "hint" }, t("keptFor", { duration: duration(description.ttlMs) })),
            ]
          : []),
      );
    },
  };
}

/** For a link to a flow that is unknown, malformed or expired. */
export function goneScreen(flowTitle: string, onStart: () => void): Screen {
  return message(t("goneTitle", { flow: flowTitle }), t("goneHeading"), t("goneText"), undefined, {
    label: t("startAgain"),
    action: onStart,
  });
}

/**
 * For a link to a flow that expired but is still kept (its 410 offers `recover`):
 * continuing brings it back with every answer. `until` is when it stops being kept.
 */
export function expiredScreen(
  flowTitle: string,
  until: Date | undefined,
  onContinue: () => void,
  onStart: () => void,
): Screen {
  const kept = until ? t("keptUntil", { until: dateTime(until) }) : t("stillKept");
  return message(
    t("expiredTitle", { flow: flowTitle }),
    t("expiredHeading"),
    t("expiredText", { kept }),
    undefined,
    { label: t("continueWhereLeft"), action: onContinue },
    { label: t("startAgain"), action: onStart },
  );
}

/** For a flow that could not be read: the link may still be good, so it is kept. */
export function failureScreen(flowTitle: string, reason: string, onRetry: () => void): Screen {
  return message(t("failureTitle", { flow: flowTitle }), t("failureHeading"), reason, undefined, {
    label: t("tryAgain"),
    action: onRetry,
  });
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
