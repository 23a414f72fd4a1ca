import { expect } from "vitest";
import { createWaymark, type FlowStore, type HandlerOptions } from "waymark";
import type { FlowRepresentation as FlowView, ProblemDocument as Problem } from "waymark/contract";
import { createSqliteStore } from "waymark/store/sqlite";
import type { TokenMode } from "waymark/token";
import { onboarding } from "../../examples/onboarding/flow.ts";

/** The origin every test request is addressed to; nothing listens on it. */
export const origin = "http://waymark.test";

/** The injected clock's starting time. */
export const startTime = new Date("2030-01-15T09:00:00.000Z");

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;

// The tests read responses through the contract's own types.
export type {
  FlowRepresentation as FlowView,
  ProblemDocument as Problem,
  StepRepresentation as StepView,
  StepStatus,
} from "waymark/contract";
/** Valid data for each onboarding step (the applicant is an adult on `startTime`). */
export {
  companyDetails,
  contractorContract,
  employeeContract,
  personalInfo,
  review,
} from "./onboarding-data.ts";

/** What a request may carry: a JSON value (sent as application/json) or a raw body. */
export interface RequestOptions {
  headers?: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
}

/**
 * A Waymark over an in-memory SQLite store and a hand-driven clock, plus shorthands for
 * calling its `fetch` without a socket.
 */
export function createHttpClient(
  options: Partial<Omit<HandlerOptions, "now">> & { store?: FlowStore; tokens?: TokenMode } = {},
) {
  let now = startTime;
  const { store: given, tokens, ...rest } = options;
  const keeping = tokens ? { tokens } : { store: given ?? createSqliteStore({ path: ":memory:" }) };
  const waymark = createWaymark({ flows: [onboarding], ...rest, ...keeping, now: () => now });

  function send(method: string, path: string, request: RequestOptions = {}): Promise<Response> {
    const headers = new Headers(request.headers);
    let body = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    return waymark.fetch(
      new Request(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
    );
  }

  /** Starts an onboarding flow; returns its path (`/onboarding/{id}`) and representation. */
  async function start(): Promise<{ path: string; flow: FlowView; etag: string }> {
    const response = await send("POST", "/onboarding");
    expect(response.status).toBe(201);
    const flow = (await response.json()) as FlowView;
    return { path: `/onboarding/${flow.flowId}`, flow, etag: response.headers.get("etag") ?? "" };
  }

  /** Submits step data as JSON. */
  function put(
    path: string,
    step: number | string,
    json: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return send("PUT", `${path}/step/${step}`, { json, headers });
  }

  /** Submits step data and asserts it was accepted. */
  async function putOk(path: string, step: number | string, json: unknown): Promise<FlowView> {
    const response = await put(path, step, json);
    expect(response.status, await peek(response)).toBe(200);
    return (await response.json()) as FlowView;
  }

  /** Reads a flow, asserting it is there; returns its representation and ETag. */
  async function read(path: string): Promise<{ flow: FlowView; etag: string }> {
    const response = await send("GET", path);
    expect(response.status, await peek(response)).toBe(200);
    return { flow: (await response.json()) as FlowView, etag: response.headers.get("etag") ?? "" };
  }

  /** Asserts the flow still has this version and ETag: the failed request wrote nothing. */
  async function expectUnchanged(path: string, before: { version: number; etag: string }) {
    const after = await read(path);
    expect({ version: after.flow.version, etag: after.etag }).toEqual(before);
  }

  return {
    waymark,
    /** The store behind the handler; undefined in token mode. */
    store: keeping.store,
    send,
    start,
    put,
    putOk,
    read,
    expectUnchanged,
    /** The injected clock's current time. */
    now: () => now,
    /** Moves the injected clock forward. */
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

/**
 * Asserts a problem+json answer with this status and `urn:waymark:problem:{code}` type,
 * and returns the problem document.
 */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json\b/);
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ type: `urn:waymark:problem:${code}`, status });
  expect(problem.title).toEqual(expect.any(String));
  return problem;
}

/** The body of a response without consuming it, for assertion messages. */
function peek(response: Response): Promise<string> {
  return response.clone().text();
}
