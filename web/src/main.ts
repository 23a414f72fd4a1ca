import { createApi, type Flow, type Problem } from "./api.ts";
import { fieldsOf, readable, sameValue } from "./fields.ts";
import {
  doneScreen,
  failureScreen,
  goneScreen,
  type Screen,
  type StepScreen,
  type StepView,
  startScreen,
  stepScreen,
} from "./screens.ts";
import { summaryRows } from "./summary.ts";

/*
 * The wizard: a client of the REST API and nothing else. The page URL's fragment is the
 * flow id, so a reload, a bookmark or a copied link opens the same flow; the fragment
 * never reaches servers, proxies or their logs.
 */

const meta = (name: string) =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
const flowName = meta("waymark-flow");
const flowTitle = meta("waymark-title") || readable(flowName);
const api = createApi(new URL(meta("waymark-api") || "./", location.href), flowName);
const app = document.getElementById("app") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
/** The page is English; dates follow the person's English variant (10 December or December 10). */
const locale = navigator.language.toLowerCase().startsWith("en") ? navigator.language : "en";

/** The flow as last received, with its ETag for If-Match. */
let latest: { flow: Flow; etag: string | null } | undefined;
/** A write is in flight: further clicks on Continue, Back or Start wait for it. */
let busy = false;
/** Bumped by every navigation, so an answer that arrives after a newer one is dropped. */
let generation = 0;
/** Whether a write here gave the flow a new id (token mode), making older links stale. */
let linkMoves = false;
/** Where this browser keeps its unfinished flow's id, so the bare address can offer it. */
const rememberedKey = `waymark:${flowName}:unfinished`;

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
  const flowId = flowIdInUrl();
  if (flowId === "") {
    latest = undefined;
    const unfinished = remembered();
    const resume = unfinished
      ? () => {
          history.replaceState(history.state, "", `#${unfinished}`);
          void open(true);
        }
      : undefined;
    show(
      startScreen(flowTitle, () => void start(), resume),
      focus,
    );
    return;
  }
  const result = await api.flow(flowId);
  if (!current()) return;
  if (result.ok) await showFlow(result.value, result.etag, { focus }, current);
  else showProblem(result.problem, () => void open(true));
}

async function start(): Promise<void> {
  await exclusive(async (current) => {
    announce("Starting…");
    const result = await api.start();
    if (!current()) return;
    linkMoves = false;
    if (result.ok) await showFlow(result.value, result.etag, { focus: true }, current);
    else showProblem(result.problem, () => void start());
  });
}

/** Opens an earlier step with its saved answers; saving it re-plans the flow. */
async function back(href: string): Promise<void> {
  await exclusive(async (current) => {
    const result = await api.step(href);
    if (!current()) return;
    if (result.ok) showStep(result.value, { focus: true });
    else showProblem(result.problem, () => void open(true));
  });
}

async function submit(step: StepView, screen: StepScreen): Promise<void> {
  if (busy || !latest) return;
  screen.fields.clearErrors();
  const unreadable = screen.fields.unreadable();
  if (unreadable.length > 0) {
    screen.showErrors(screen.fields.showErrors(unreadable));
    return;
  }
  const before = latest;
  screen.setBusy(true);
  await exclusive(async (current) => {
    announce("Saving…");
    const data = screen.fields.read();
    const result = await api.submit(step.href, data, before.etag);
    if (!current()) return;
    if (!result.ok) {
      announce("");
      await refused(result.problem, { step, data }, screen, current);
      return;
    }
    if (result.value.flowId !== before.flow.flowId) linkMoves = true;
    announce(linkMoves ? "Saved. The link to continue later has changed." : "Saved");
    await showFlow(result.value, result.etag, { focus: true }, current);
  });
  screen.setBusy(false);
}

/** What a refused write shows: errors beside fields, the flow as it now stands, or why. */
async function refused(
  problem: Problem,
  sent: { step: StepView; data: unknown },
  screen: StepScreen,
  current: () => boolean,
) {
  const say = (message: string) => screen.showErrors([{ message, target: undefined }]);
  if (problem.status === 422 && problem.errors && problem.errors.length > 0) {
    screen.showErrors(screen.fields.showErrors(problem.errors));
  } else if (problem.status === 412 || problem.status === 409) {
    await reload(sent, current);
  } else if (problem.status === 404 || problem.status === 410) {
    showProblem(problem, () => void open(true));
  } else if (problem.status === 0) {
    say(
      "Your answers were not saved because the server could not be reached. Check your connection and try again.",
    );
  } else if (problem.status >= 500) {
    say("Your answers were not saved because the server had a problem. Try again in a moment.");
  } else {
    say(problem.detail ?? problem.title);
  }
}

/**
 * After a 412 or 409: shows the flow as it now stands. When it already holds what was
 * sent, the earlier attempt was saved and only its answer was lost, so nothing is said;
 * otherwise another window or tab moved the flow on.
 */
async function reload(
  sent: { step: StepView; data: unknown },
  current: () => boolean,
): Promise<void> {
  const result = await api.flow(latest?.flow.flowId ?? flowIdInUrl());
  if (!current()) return;
  if (!result.ok) {
    showProblem(result.problem, () => void open(true));
    return;
  }
  const landed = sameValue(result.value.data[sent.step.name], sent.data);
  const notice = landed
    ? undefined
    : "This flow was changed in another window or tab. This is where it stands now; answers you had typed here were not saved.";
  await showFlow(
    result.value,
    result.etag,
    { focus: true, ...(notice ? { notice } : {}) },
    current,
  );
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
}

/** Shows the flow's current step, or the summary once it is completed. */
async function showFlow(
  flow: Flow,
  etag: string | null,
  options: { focus: boolean; notice?: string },
  current: () => boolean,
): Promise<void> {
  latest = { flow, etag };
  remember(flow);
  // In token mode every write gives a new id: the address follows without a history entry.
  if (flowIdInUrl() !== flow.flowId) history.replaceState(history.state, "", `#${flow.flowId}`);
  const step = flow.currentStep;
  if (flow.status === "in_progress" && step) {
    showStep({ ...step, data: null }, options);
    return;
  }
  const screen = await summary(flow);
  if (current()) show(screen, options.focus);
}

function showStep(step: StepView, options: { focus: boolean; notice?: string }): void {
  if (!latest) return;
  const flow = latest.flow;
  const previous = flow.steps.filter((s) => s.number < step.number && s.status === "done").at(-1);
  const screen: StepScreen = stepScreen(flow, step, {
    notice: options.notice,
    resumeUrl: location.href,
    linkMoves,
    locale,
    onSubmit: () => void submit(step, screen),
    onBack: previous ? () => void back(previous.href) : undefined,
    onCopy: (input) => void copy(input),
  });
  show(screen, options.focus);
}

/** The completion summary, labelled from each done step's schema. */
async function summary(flow: Flow): Promise<Screen> {
  const done = flow.steps.filter((step) => step.status === "done");
  const steps = await Promise.all(done.map((step) => api.step(step.href)));
  const sections = done.map((step, index) => {
    const fetched = steps[index];
    const data = flow.data[step.name] ?? {};
    // Without the schema the names still read well enough.
    const schema = fetched?.ok
      ? fetched.value.schema
      : { properties: Object.fromEntries(Object.keys(data).map((key) => [key, {}])) };
    return { title: step.title, rows: summaryRows(fieldsOf(schema), data, locale) };
  });
  return doneScreen(flow, sections, locale, () => void start());
}

/** A flow that could not be read: gone for good (404, 410), or not right now. */
function showProblem(problem: Problem, retry: () => void): void {
  if (problem.status === 404 || problem.status === 410) {
    latest = undefined;
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
      : `The server answered “${problem.detail ?? problem.title}”. Nothing you saved is lost: try again in a moment.`;
  show(failureScreen(flowTitle, reason, retry), true);
}

function show(screen: Screen, focus: boolean): void {
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

/** Keeps an unfinished flow's id in this browser; a completed one is forgotten. */
function remember(flow: Flow): void {
  if (flow.status === "completed") forget();
  else storage(() => localStorage.setItem(rememberedKey, flow.flowId));
}

function remembered(): string | undefined {
  return storage(() => localStorage.getItem(rememberedKey)) ?? undefined;
}

function forget(): void {
  storage(() => localStorage.removeItem(rememberedKey));
}

/** Storage may be off (private windows, policies): the page works without it. */
function storage<T>(use: () => T): T | undefined {
  try {
    return use();
  } catch {
    return undefined;
  }
}

/** Says something to screen readers through the page's polite live region. */
function announce(message: string): void {
  status.textContent = message;
}

function flowIdInUrl(): string {
  const fragment = location.hash.slice(1);
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
