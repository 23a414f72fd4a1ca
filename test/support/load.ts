import { setMaxListeners } from "node:events";
import { isDeepStrictEqual } from "node:util";
import {
  companyDetails,
  contractorContract,
  jsonRequest,
  personalInfo,
  review,
} from "./onboarding-data.ts";

/** One request as a client saw it: times from `performance.now()`, status 0 for no answer. */
export interface Exchange {
  method: string;
  /** The route, ids left out: `POST /onboarding`, `PUT step 2`, `GET flow`. */
  route: string;
  sentAt: number;
  at: number;
  status: number;
  retryAfter: string | null;
  /** The problem's code, for a problem+json answer. */
  code?: string;
  /** Why there was no answer. */
  error?: string;
}

/** A step write the server acknowledged with a 200. */
export interface Ack {
  flowId: string;
  stepName: string;
  version: number;
  data: unknown;
}

/** Everything the virtual users sent and were told. */
export interface Ledger {
  exchanges: Exchange[];
  /** Each Idempotency-Key used, with every flow id answered for it. */
  keys: Map<string, Set<string>>;
  acks: Ack[];
  completed: number;
  /** Requests given up when the run ended while they were still being retried. */
  abandoned: number;
  /** Answers that were neither the success expected nor worth a retry. */
  unexpected: Exchange[];
}

/** The onboarding's contractor path, with data unique to this flow. */
function walk(tag: string): Array<[step: string, name: string, data: unknown]> {
  return [
    ["1", "personal-info", { ...personalInfo, firstName: tag, email: `${tag}@example.com` }],
    ["2", "contract-details", { ...contractorContract, role: `Role ${tag}` }],
    ["3", "company-details", { ...companyDetails, companyName: `Company ${tag}` }],
    ["4", "review", review],
  ];
}

class Abandoned extends Error {}

/**
 * Sends `init` until it gets an answer a client should not retry, as a careful client
 * does: on no answer (connection refused or reset, timeout), on 502, 503 and 504, and on
 * 409 `idempotency-key-in-flight`, honouring `Retry-After` where there is one and
 * waiting 50–150 ms otherwise. Once `giveUp` aborts, it throws {@link Abandoned}.
 */
async function send(
  ledger: Ledger,
  url: string,
  init: RequestInit,
  route: string,
  giveUp: AbortSignal,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  for (;;) {
    if (giveUp.aborted) throw new Abandoned();
    const sentAt = performance.now();
    let wait: number;
    // Aborted when the run gives up, or after 30 s without an answer.
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    const timer = setTimeout(abort, 30_000);
    giveUp.addEventListener("abort", abort, { once: true });
    try {
      const response = await fetch(url, { ...init, signal: attempt.signal });
      const text = await response.text();
      // nginx's own error pages are HTML.
      const json = /json/.test(response.headers.get("content-type") ?? "");
      const body: unknown = json && text !== "" ? JSON.parse(text) : undefined;
      const retryAfter = response.headers.get("retry-after");
      const code = problemCode(body);
      const exchange: Exchange = {
        method: init.method ?? "GET",
        route,
        sentAt,
        at: performance.now(),
        status: response.status,
        retryAfter,
        ...(code === undefined ? {} : { code }),
      };
      ledger.exchanges.push(exchange);
      const inFlight = response.status === 409 && code === "idempotency-key-in-flight";
      if (![502, 503, 504].includes(response.status) && !inFlight) {
        return { status: response.status, body, headers: response.headers };
      }
      wait = retryAfter === null ? jitter() : Number(retryAfter) * 1000;
    } catch (error) {
      if (giveUp.aborted) throw new Abandoned();
      ledger.exchanges.push({
        method: init.method ?? "GET",
        route,
        sentAt,
        at: performance.now(),
        status: 0,
        retryAfter: null,
        error: String((error as Error).cause ?? error),
      });
      wait = jitter();
    } finally {
      clearTimeout(timer);
      giveUp.removeEventListener("abort", abort);
    }
    await sleep(wait, giveUp);
  }
}

function jitter(): number {
  return 50 + Math.random() * 100;
}

function problemCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("type" in body)) return undefined;
  return String(body.type).replace("urn:waymark:problem:", "");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Virtual users at work, and how to stop them. */
export interface Load {
  ledger: Ledger;
  /**
   * Stops the users from starting anything new, lets each finish its current request
   * (retries included) for up to `drainMs`, then abandons what is left.
   */
  stop(drainMs: number): Promise<void>;
}

/**
 * Starts `users` virtual users against `url`, each walking one onboarding after another:
 * a keyed `POST /onboarding`, then the four steps of the contractor path, retrying as
 * {@link send} does. `starters` more users only start flows, so that creates are in
 * flight at any moment.
 */
export function startLoad(options: {
  url: string;
  users: number;
  starters?: number;
  /** Pause after each answered request, as a person filling in a form pauses. */
  thinkMs?: number;
}): Load {
  const ledger: Ledger = {
    exchanges: [],
    keys: new Map(),
    acks: [],
    completed: 0,
    abandoned: 0,
    unexpected: [],
  };
  let stopping = false;
  const giveUp = new AbortController();
  // Each user waits on it at once (its request, its pause): more than Node's default 10.
  setMaxListeners(0, giveUp.signal);
  const think = () => sleep(options.thinkMs ?? 0, giveUp.signal);
  const expect = async (status: number, wanted: number) => {
    await think();
    if (status === wanted) return true;
    const last = ledger.exchanges.at(-1);
    if (last) ledger.unexpected.push(last);
    return false;
  };

  async function user(index: number, steps: boolean) {
    for (let round = 0; !stopping; round++) {
      const tag = `u${index}n${round}`;
      const key = crypto.randomUUID();
      const answered = new Set<string>();
      ledger.keys.set(key, answered);
      const created = await send(
        ledger,
        `${options.url}/onboarding`,
        { method: "POST", headers: { "idempotency-key": key } },
        "POST /onboarding",
        giveUp.signal,
      );
      if (!(await expect(created.status, 201))) continue;
      const { flowId } = created.body as { flowId: string };
      answered.add(flowId);
      if (!steps) continue;
      for (const [step, stepName, data] of walk(tag)) {
        const written = await send(
          ledger,
          `${options.url}/onboarding/${flowId}/step/${step}`,
          jsonRequest("PUT", data),
          `PUT step ${step}`,
          giveUp.signal,
        );
        if (!(await expect(written.status, 200))) break;
        const { version, status } = written.body as { version: number; status: string };
        ledger.acks.push({ flowId, stepName, version, data });
        if (status === "completed") ledger.completed += 1;
      }
    }
  }

  const run = (index: number, steps: boolean) =>
    user(index, steps).catch((error: unknown) => {
      if (!(error instanceof Abandoned)) throw error;
      ledger.abandoned += 1;
    });
  const users = [
    ...Array.from({ length: options.users }, (_, index) => run(index, true)),
    ...Array.from({ length: options.starters ?? 0 }, (_, index) =>
      run(options.users + index, false),
    ),
  ];
  return {
    ledger,
    async stop(drainMs) {
      stopping = true;
      const timer = setTimeout(() => giveUp.abort(), drainMs);
      await Promise.all(users);
      clearTimeout(timer);
    },
  };
}

/** An acknowledged write the flow no longer shows. */
export interface LostWrite {
  ack: Ack;
  version: number;
  data: unknown;
}

/**
 * Reads every flow that acknowledged a step write (through `url`, retrying as clients
 * do) and returns each acknowledged write it does not show: a flow older than the
 * write's version, or other data under the step's name.
 */
export async function lostWrites(url: string, ledger: Ledger): Promise<LostWrite[]> {
  const byFlow = new Map<string, Ack[]>();
  for (const ack of ledger.acks) byFlow.set(ack.flowId, [...(byFlow.get(ack.flowId) ?? []), ack]);
  const flows = [...byFlow.entries()];
  const lost: LostWrite[] = [];
  const giveUp = AbortSignal.timeout(60_000);
  const reader = async () => {
    for (let next = flows.pop(); next; next = flows.pop()) {
      const [flowId, acks] = next;
      const read = await send(ledger, `${url}/onboarding/${flowId}`, {}, "GET flow", giveUp);
      const flow = read.body as { version?: number; data?: Record<string, unknown> };
      for (const ack of acks) {
        const data = flow.data?.[ack.stepName];
        const version = flow.version ?? 0;
        if (read.status !== 200 || version < ack.version || !isDeepStrictEqual(data, ack.data)) {
          lost.push({ ack, version, data });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return lost;
}

/** Keys that were answered with more than one flow id. */
export function duplicateKeys(ledger: Ledger): string[] {
  return [...ledger.keys].filter(([, ids]) => ids.size > 1).map(([key]) => key);
}

/** How many answers of each status the clients saw, `error` for none: `{ 200: 812, 502: 3 }`. */
export function statusCounts(exchanges: Iterable<Exchange>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of exchanges) {
    const name = status === 0 ? "error" : String(status);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** `{ 200: 812, 502: 3 }` as `200 × 812, 502 × 3`. */
export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? "none" : entries.map(([name, n]) => `${name} × ${n}`).join(", ");
}

/** The figures of a run, for its one-line summary. */
export function describeLoad(ledger: Ledger): string {
  const flows = new Set([...ledger.keys.values()].flatMap((ids) => [...ids]));
  return (
    `${ledger.keys.size} keys, ${flows.size} flows answered, ${ledger.completed} completed, ` +
    `${ledger.acks.length} step writes acknowledged, ${ledger.abandoned} requests abandoned at ` +
    `the end; answers: ${formatCounts(statusCounts(ledger.exchanges))}`
  );
}

/** The flow ids the clients were given. */
export function flowIdsOf(ledger: Ledger): string[] {
  return [...new Set([...ledger.keys.values()].flatMap((ids) => [...ids]))];
}
