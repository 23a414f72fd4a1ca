import { createClient, type Result } from "../../src/client/index.ts";
import { formOf, readable, sameValue } from "../../src/form/index.ts";
import { addressInUrl, fragmentOf, unfinishedFlow } from "./address.ts";
import type { CurrentStep, FieldError, Flow, FlowDescription, FlowHandle, Problem } from "./api.ts";
import { formStillApplies, liveUpdates } from "./live.ts";
import {
  changedFormNotice,
  expiredScreen,
  failureScreen,
  goneScreen,
  keptAnswersNotice,
  recoveredStatus,
  recoveringStatus,
  startScreen,
  updatedElsewhereNotice,
} from "./messages.ts";
import { doneScreen, type Screen, type StepScreen, type StepView, stepScreen } from "./screens.ts";
import { summaryEntries } from "./summary.ts";

/*
 * The wizard: a client of the REST API, through the typed client, and nothing else. The
 * page URL's fragment is the flow id (and, for a flow whose access is `secret`, its
 * secret after a "~"), so a reload, a bookmark or a copied link opens the same flow; the
 * fragment never reaches servers, proxies or their logs.
 */

const meta = (name: string) =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
const flowName = meta("waymark-flow");
const flowTitle = meta("waymark-title") || readable(flowName);
const apiBase = new URL(meta("waymark-api") || "./", location.href);
const client = createClient({ baseUrl: apiBase, flow: flowName });
const app = document.getElementById("app") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
/** The page is English; dates follow the person's English variant (10 December or December 10). */
const locale = navigator.language.toLowerCase().startsWith("en") ? navigator.language : "en";

/** The flow on screen: its latest representation, ETag (for If-Match), id and secret. */
let handle: FlowHandle | undefined;
/** The flow's description, for the start screen: read once, again only after a failure. */
let description: Promise<Result<FlowDescription>> | undefined;
/** A write is in flight: further clicks on Continue, Back or Start wait for it. */
let busy = false;
/** Bumped by every navigation, so an answer that arrives after a newer one is dropped. */
let generation = 0;
/** Whether a write here gave the flow a new id (token mode), making older links stale. */
let linkMoves = false;
/** This browser's unfinished flow, so the bare address can offer it. */
const { remember, remembered, forget } = unfinishedFlow(flowName);
/** The step whose form is on screen, if one is. */
let formOnScreen: { step: StepView; screen: StepScreen } | undefined;
/** The newest version live updates announced while a write was in flight. */
let announced = 0;
/** Follows the flow on screen, so that the page moves on when another tab or device does. */
const live = liveUpdates((version) => void followed(version));

/** What was typed on a step's screen and sent. */
interface Draft {
  step: StepView;
  data: Record<string, unknown>;
}

/** How a screen is shown: with focus moved to it, and perhaps a notice or errors. */
interface ShowOptions {
  focus: boolean;
  notice?: string;
  errors?: readonly FieldError[];
}

window.addEventListener("hashchange", () => void open(true));
void open(false);

/** Marks the start of a navigation; the returned check says whether it is still the latest. */
function begin(): () => boolean {
  const ticket = ++generation;
  return () => ticket === generation;
}

/** Opens the flow the URL names, or the start screen when it names none. */
async function open(focus: boolean): Promise<void> {
  const current = begin();
  const address = addressInUrl();
  if (address.flowId === "") {
    release();
    const unfinished = remembered();
    const resume = unfinished
      ? () => {
          history.replaceState(history.state, "", `#${unfinished}`);
          void open(true);
        }
      : undefined;
    const screen = startScreen(flowTitle, () => void start(), resume);
    show(screen, focus);
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
    announce("Starting…");
    const result = await client.start();
    if (!current()) return;
    linkMoves = false;
    if (result.ok) await showFlow(result.value, { focus: true }, current);
    else showProblem(result.problem, () => void start());
  });
}

/** Opens an earlier step with its saved answers; saving it re-plans the flow. */
async function back(number: number): Promise<void> {
  const flow = handle;
  if (!flow) return;
  await exclusive(async (current) => {
    const result = await flow.step(number);
    if (!current()) return;
    if (result.ok) showStep(result.value, { focus: true });
    else showProblem(result.problem, () => void open(true), flow);
  });
}

async function submit(step: StepView, screen: StepScreen): Promise<void> {
  const flow = handle;
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
    announce("Saving…");
    const data = screen.fields.read();
    const result = await flow.submit(step.number, data);
    if (!current()) return;
    if (!result.ok) {
      announce("");
      await refused(flow, result.problem, { step, data }, screen, current);
      return;
    }
    if (flow.id !== before) linkMoves = true;
    announce(linkMoves ? "Saved. The link to continue later has changed." : "Saved");
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
    say(
      "Your answers were not saved because the server could not be reached. Check your connection and try again.",
    );
  } else if (problem.status >= 500) {
    say("Your answers were not saved because the server had a problem. Try again in a moment.");
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
  const notice =
    landed || sentBack
      ? undefined
      : "This flow was changed in another window or tab. This is where it stands now; answers you had typed here were not saved.";
  await showFlow(flow, { focus: true, ...(notice ? { notice } : {}) }, current);
}

/** Runs one write-like action at a time, holding `busy` until its screen is shown. */
async function exclusive(action: (current: () => boolean) => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    await action(begin());
  } finally {
    busy = false;
  }
  // Another tab moved the flow on while this one was writing.
  if (announced > (handle?.latest?.version ?? 0)) void followed(announced);
}

/**
 * Live updates said the flow changed elsewhere (`version`), or ended (undefined): reads
 * it and shows where it stands. A step form that still applies (the current step, or a
 * done step being edited) stays as it is, with what was typed in it; the page only says
 * that the flow was updated elsewhere.
 */
async function followed(version: number | undefined): Promise<void> {
  const flow = handle;
  if (!flow) return;
  const before = flow.latest;
  if (version !== undefined && version <= (before?.version ?? 0)) return;
  if (busy) {
    announced = Math.max(announced, version ?? Number.MAX_SAFE_INTEGER);
    return;
  }
  announced = 0;
  const onScreen = formOnScreen;
  const current = begin();
  const result = await flow.get();
  if (!current() || flow !== handle) return;
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
  announce(updatedElsewhereNotice);
  if (formStillApplies(onScreen?.step.number, before, next)) return;
  await showFlow(flow, { focus: true, notice: updatedElsewhereNotice }, current);
}

/** Forgets the flow on screen, and stops following it. */
function release(): void {
  handle = undefined;
  live.stop();
}

/**
 * Brings an expired flow back, then shows it. With a draft (the flow expired as it was
 * sent), the draft's step opens again with what was typed, if that step is still open.
 */
async function recover(flow: FlowHandle, draft: Draft | undefined): Promise<void> {
  await exclusive(async (current) => {
    announce(recoveringStatus);
    const before = flow.id;
    // Unconditional: whatever another tab did meanwhile, the person asked for the flow back.
    const result = await flow.recover({ ifMatch: false });
    if (!current()) return;
    if (!result.ok) {
      announce("");
      showProblem(result.problem, () => void recover(flow, draft), flow, draft);
      return;
    }
    if (flow.id !== before) linkMoves = true;
    announce(recoveredStatus);
    const status = result.value.steps.find((step) => step.number === draft?.step.number)?.status;
    if (draft && (status === "current" || status === "done")) {
      // Read again: a recovery can move the flow to a new version, and the step's form with it.
      const read = await flow.step(draft.step.number);
      if (!current()) return;
      if (read.ok) {
        adopt(flow);
        showStep({ ...read.value, data: draft.data }, { focus: true, notice: keptAnswersNotice });
        return;
      }
    }
    await showFlow(flow, { focus: true }, current);
  });
}

/** Makes `shown` the flow on screen, kept for the bare address and named by the page's. */
function adopt(shown: FlowHandle): void {
  handle = shown;
  remember(shown);
  // EventSource sends no Authorization header: a secret flow is not followed.
  if (shown.secret === undefined) {
    live.follow(new URL(`${flowName}/${encodeURIComponent(shown.id)}/events`, apiBase).href);
  }
  // In token mode every write gives a new id: the address follows without a history entry.
  const fragment = fragmentOf(shown);
  if (location.hash.slice(1) !== fragment) history.replaceState(history.state, "", `#${fragment}`);
}

/** Shows the handle's flow at its current step, or the summary once it is completed. */
async function showFlow(
  shown: FlowHandle,
  options: ShowOptions,
  current: () => boolean,
): Promise<void> {
  const flow = shown.latest;
  if (!flow) return;
  adopt(shown);
  const step = flow.currentStep;
  if (flow.status === "in_progress" && step?.errors?.length) {
    await showSentBack(shown, step, options, current);
  } else if (flow.status === "in_progress" && step) {
    showStep({ ...step, data: null }, options);
  } else {
    const screen = await summary(shown, flow);
    if (current()) show(screen, options.focus);
  }
}

/**
 * The current step when a new version of the flow sent it back: its form filled with what
 * had been entered (from the step's own representation), the errors beside their fields
 * as after a refused submit, and a notice saying why. Focus goes to the errors, even on
 * a page load: they are what to read first.
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
  const notice = options.notice ? `${options.notice} ${changedFormNotice}` : changedFormNotice;
  showStep(view, { focus: true, notice, errors });
}

function showStep(step: StepView, options: ShowOptions): void {
  const flow = handle?.latest;
  if (!flow) return;
  const previous = flow.steps.filter((s) => s.number < step.number && s.status === "done").at(-1);
  const screen: StepScreen = stepScreen(flow, step, {
    notice: options.notice,
    errors: options.errors,
    resumeUrl: location.href,
    linkMoves,
    locale,
    onSubmit: () => void submit(step, screen),
    onBack: previous ? () => void back(previous.number) : undefined,
    onCopy: (input) => void copy(input),
  });
  show(screen, options.focus);
  formOnScreen = { step, screen };
}

/** The completion summary, labelled from each done step's schema. */
async function summary(shown: FlowHandle, flow: Flow): Promise<Screen> {
  const done = flow.steps.filter((step) => step.status === "done");
  const steps = await Promise.all(done.map((step) => shown.step(step.number)));
  const sections = done.map((step, index) => {
    const fetched = steps[index];
    const data = flow.data[step.name] ?? {};
    // Without the schema the names still read well enough.
    const schema = fetched?.ok
      ? fetched.value.schema
      : { properties: Object.fromEntries(Object.keys(data).map((key) => [key, {}])) };
    return { title: step.title, entries: summaryEntries(formOf(schema), data, locale) };
  });
  return doneScreen(flow, sections, locale, () => void start());
}

/**
 * A flow that could not be read or written: expired but still kept (a 410 that offers
 * `recover`), gone for good (404, 410), or not available right now. `draft` is what was
 * being sent when it turned out expired, to put back on its step once recovered.
 */
function showProblem(problem: Problem, retry: () => void, flow?: FlowHandle, draft?: Draft): void {
  const offer = recoveryOffered(problem);
  if (flow && offer) {
    release();
    const onContinue = () => void recover(flow, draft);
    show(
      expiredScreen(flowTitle, offer.until, locale, onContinue, () => void start()),
      true,
    );
    return;
  }
  if (problem.status === 404 || problem.status === 410) {
    release();
    forget();
    show(
      goneScreen(flowTitle, () => void start()),
      true,
    );
    return;
  }
  const reason =
    problem.status === 0
      ? "The server could not be reached. Nothing you saved is lost: check your connection, then try again."
      : `The server answered “${problem.detail}”. Nothing you saved is lost: try again in a moment.`;
  show(failureScreen(flowTitle, reason, retry), true);
}

/** What a 410 offers for a flow that expired but is kept: until when (if it says), else nothing. */
function recoveryOffered(problem: Problem): { until: Date | undefined } | undefined {
  const link = problem.recover;
  if (problem.status !== 410 || typeof link !== "object" || link === null) return undefined;
  const until = new Date(String(problem.recoverableUntil));
  return { until: Number.isNaN(until.getTime()) ? undefined : until };
}

function show(screen: Screen, focus: boolean): void {
  formOnScreen = undefined;
  document.title = screen.title;
  app.replaceChildren(...screen.nodes);
  if (focus) screen.focus.focus();
}

async function copy(input: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
    announce("Link copied");
  } catch {
    input.select();
    announce("Link selected: copy it with your keyboard or menu");
  }
}

/** Says something to screen readers through the page's polite live region. */
function announce(message: string): void {
  status.textContent = message;
}
