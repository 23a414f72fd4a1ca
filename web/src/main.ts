import type { Result } from "../../src/client/index.ts";
import { sameValue } from "../../src/form/index.ts";
import { addressInUrl, fragmentOf, unfinishedFlow } from "./address.ts";
import type { FlowDescription, FlowHandle, Problem } from "./api.ts";
import { type Draft, display, type Shown } from "./display.ts";
import { t } from "./i18n/screen-messages.ts";
import { formStillApplies, liveUpdates } from "./live.ts";
import { startScreen } from "./messages.ts";
import { announce, apiBase, begin, client, flowName, flowTitle, holdRedraw, show } from "./page.ts";
import type { StepScreen, StepView } from "./screens.ts";

/*
 * The wizard: a client of the REST API, through the typed client, and nothing else. The
 * page URL's fragment is the flow id (and, for a flow whose access is `secret`, its
 * secret after a "~"), so a reload, a bookmark or a copied link opens the same flow; the
 * fragment never reaches servers, proxies or their logs. This file navigates and writes;
 * display.ts decides what each outcome looks like.
 */

/** The flow on screen (latest representation, ETag, id, secret), and the form showing. */
const state: Shown = { handle: undefined, linkMoves: false, form: undefined };
/** The flow's description, for the start screen: read once, again only after a failure. */
let description: Promise<Result<FlowDescription>> | undefined;
/** A write is in flight: further clicks on Continue, Back or Start wait for it. */
let busy = false;
/** This browser's unfinished flow, so the bare address can offer it. */
const { remember, remembered, forget } = unfinishedFlow(flowName);
/** The newest version live updates announced while a write was in flight. */
let announced = 0;
/** Follows the flow on screen, so that the page moves on when another tab or device does. */
const live = liveUpdates((version) => void followed(version));

const { showFlow, showStep, showProblem } = display(
  {
    start: () => void start(),
    open: () => void open(true),
    submit: (step, screen) => void submit(step, screen),
    edit: (number) => void edit(number),
    recover: (flow, draft) => void recover(flow, draft),
    copy: (input) => void copy(input),
    adopt,
    release,
    forget,
  },
  state,
);

window.addEventListener("hashchange", () => void open(true));
void open(false);

/** Opens the flow the URL names, or the start screen when it names none. */
async function open(focus: boolean): Promise<void> {
  const current = begin();
  const address = addressInUrl();
  if (address.flowId === "") {
    release();
    state.form = undefined;
    const unfinished = remembered();
    const resume = unfinished
      ? () => {
          history.replaceState(history.state, "", `#${unfinished}`);
          void open(true);
        }
      : undefined;
    const screen = startScreen(flowTitle(), () => void start(), resume);
    show(screen, focus, () => {
      // The description, in the newly chosen language.
      description = undefined;
      void open(false);
    });
    const described = await describe();
    if (described && current()) screen.showAhead(described);
    return;
  }
  const flow = client.resume(address.flowId, { secret: address.secret });
  const result = await flow.get();
  if (!current()) return;
  if (result.ok) await showFlow(flow, { focus }, current);
  else showProblem(result.problem, () => void open(true), flow);
}

/** The flow's description (`GET /{flow}`), or nothing when it cannot be read for now. */
async function describe(): Promise<FlowDescription | undefined> {
  description ??= client.describe();
  const result = await description;
  if (result.ok) return result.value;
  description = undefined;
  return undefined;
}

async function start(): Promise<void> {
  await exclusive(async (current) => {
    announce(t("starting"));
    const result = await client.start();
    if (!current()) return;
    state.linkMoves = false;
    if (result.ok) await showFlow(result.value, { focus: true }, current);
    else showProblem(result.problem, () => void start());
  });
}

/** Opens a done step with its saved answers (Back, or Change in the review); saving it re-plans the flow. */
async function edit(number: number): Promise<void> {
  const flow = state.handle;
  if (!flow) return;
  await exclusive(async (current) => {
    const result = await flow.step(number);
    if (!current()) return;
    if (result.ok) await showStep(result.value, { focus: true }, current);
    else showProblem(result.problem, () => void open(true), flow);
  });
}

async function submit(step: StepView, screen: StepScreen): Promise<void> {
  const flow = state.handle;
  if (busy || !flow) return;
  screen.fields.clearErrors();
  const unreadable = screen.fields.unreadable();
  if (unreadable.length > 0) {
    screen.showErrors(screen.fields.showErrors(unreadable));
    return;
  }
  const before = flow.id;
  screen.setBusy(true);
  await exclusive(async (current) => {
    announce(t("saving"));
    const data = screen.fields.read();
    const result = await flow.submit(step.number, data);
    if (!current()) return;
    if (!result.ok) {
      announce("");
      await refused(flow, result.problem, { step, data }, screen, current);
      return;
    }
    if (flow.id !== before) state.linkMoves = true;
    announce(t(state.linkMoves ? "savedLinkChanged" : "saved"));
    await showFlow(flow, { focus: true }, current);
  });
  screen.setBusy(false);
}

/** What a refused write shows: errors beside fields, the flow as it now stands, or why. */
async function refused(
  flow: FlowHandle,
  problem: Problem,
  sent: Draft,
  screen: StepScreen,
  current: () => boolean,
) {
  const say = (message: string) => screen.showErrors([{ message, target: undefined }]);
  if (problem.status === 422 && problem.errors && problem.errors.length > 0) {
    screen.showErrors(screen.fields.showErrors(problem.errors));
  } else if (problem.status === 412 || problem.status === 409) {
    await reload(flow, sent, current);
  } else if (problem.status === 404 || problem.status === 410) {
    showProblem(problem, () => void open(true), flow, sent);
  } else if (problem.status === 0) {
    say(t("notSavedOffline"));
  } else if (problem.status >= 500) {
    say(t("notSavedServer"));
  } else {
    say(problem.detail);
  }
}

/**
 * After a 412 or 409: shows the flow as it now stands. When it already holds what was
 * sent, the earlier attempt was saved and only its answer was lost, so nothing is said;
 * when a new version of the flow sent a step back, that step's notice says why;
 * otherwise another window or tab moved the flow on.
 */
async function reload(flow: FlowHandle, sent: Draft, current: () => boolean): Promise<void> {
  const result = await flow.get();
  if (!current()) return;
  if (!result.ok) {
    showProblem(result.problem, () => void open(true), flow);
    return;
  }
  const landed = sameValue(result.value.data[sent.step.name], sent.data);
  const sentBack = (result.value.currentStep?.errors?.length ?? 0) > 0;
  const notice = landed || sentBack ? undefined : t("changedElsewhere");
  await showFlow(flow, { focus: true, ...(notice ? { notice } : {}) }, current);
}

/** Runs one write-like action at a time, holding `busy` until its screen is shown. */
async function exclusive(action: (current: () => boolean) => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  const release = holdRedraw();
  try {
    await action(begin());
  } finally {
    busy = false;
    release();
  }
  // Another tab moved the flow on while this one was writing.
  if (announced > (state.handle?.latest?.version ?? 0)) void followed(announced);
}

/**
 * Live updates said the flow changed elsewhere (`version`), or ended (undefined): reads
 * it and shows where it stands. A step form that still applies (the current step, or a
 * done step being edited) stays as it is, with what was typed in it; the page only says
 * that the flow was updated elsewhere.
 */
async function followed(version: number | undefined): Promise<void> {
  const flow = state.handle;
  if (!flow) return;
  const before = flow.latest;
  if (version !== undefined && version <= (before?.version ?? 0)) return;
  if (busy) {
    announced = Math.max(announced, version ?? Number.MAX_SAFE_INTEGER);
    return;
  }
  announced = 0;
  const onScreen = state.form;
  const current = begin();
  const result = await flow.get();
  if (!current() || flow !== state.handle) return;
  if (!result.ok) {
    showProblem(result.problem, () => void open(true), flow);
    return;
  }
  const next = result.value;
  if (next.version === before?.version) return;
  // What the form holds is what was saved: this page's own write, whose answer was lost.
  if (onScreen && sameValue(next.data[onScreen.step.name], onScreen.screen.fields.read())) {
    await showFlow(flow, { focus: true }, current);
    return;
  }
  const notice = t("updatedElsewhere");
  announce(notice);
  if (formStillApplies(onScreen?.step.number, before, next)) return;
  await showFlow(flow, { focus: true, notice }, current);
}

/** Forgets the flow on screen, and stops following it. */
function release(): void {
  state.handle = undefined;
  live.stop();
}

/**
 * Brings an expired flow back, then shows it. With a draft (the flow expired as it was
 * sent), the draft's step opens again with what was typed, if that step is still open.
 */
async function recover(flow: FlowHandle, draft: Draft | undefined): Promise<void> {
  await exclusive(async (current) => {
    announce(t("recovering"));
    const before = flow.id;
    // Unconditional: whatever another tab did meanwhile, the person asked for the flow back.
    const result = await flow.recover({ ifMatch: false });
    if (!current()) return;
    if (!result.ok) {
      announce("");
      showProblem(result.problem, () => void recover(flow, draft), flow, draft);
      return;
    }
    if (flow.id !== before) state.linkMoves = true;
    announce(t("recovered"));
    const status = result.value.steps.find((step) => step.number === draft?.step.number)?.status;
    if (draft && (status === "current" || status === "done")) {
      // Read again: a recovery can move the flow to a new version, and the step's form with it.
      const read = await flow.step(draft.step.number);
      if (!current()) return;
      if (read.ok) {
        adopt(flow);
        const notice = t("keptAnswersNotice");
        await showStep({ ...read.value, data: draft.data }, { focus: true, notice }, current);
        return;
      }
    }
    await showFlow(flow, { focus: true }, current);
  });
}

/** Makes `shown` the flow on screen, kept for the bare address and named by the page's. */
function adopt(shown: FlowHandle): void {
  state.handle = shown;
  remember(shown);
  // EventSource sends no Authorization header: a secret flow is not followed.
  if (shown.secret === undefined) {
    live.follow(new URL(`${flowName}/${encodeURIComponent(shown.id)}/events`, apiBase).href);
  }
  // In token mode every write gives a new id: the address follows without a history entry.
  const fragment = fragmentOf(shown);
  if (location.hash.slice(1) !== fragment) history.replaceState(history.state, "", `#${fragment}`);
}

async function copy(input: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
    announce(t("linkCopied"));
  } catch {
    input.select();
    announce(t("linkSelected"));
  }
}
