import type {
  FieldError,
  FlowRepresentation,
  ProblemDocument,
  StepRepresentation,
} from "../../src/contract/index.ts";

// The page shares the server's contract types (types only: no server code is bundled).
export type {
  FieldError,
  JsonSchema,
  StepStatus,
  StepSummary as StepState,
} from "../../src/contract/index.ts";

/** `GET /{flow}/{flowId}`: everything needed to drive the flow. */
export type Flow = FlowRepresentation;

/** `GET /{flow}/{flowId}/step/{n}`: one step with its saved data. */
export type Step = StepRepresentation;

/**
 * A problem+json answer, or one made up for a failure that never reached the API:
 * status 0 when the server could not be reached.
 */
export type Problem = Pick<ProblemDocument, "status" | "title"> &
  Partial<Pick<ProblemDocument, "detail" | "errors">>;

/** A call's result: the representation and its ETag, or the problem. */
export type Outcome<T> =
  | { ok: true; value: T; etag: string | null }
  | { ok: false; problem: Problem };

/** The REST calls the wizard makes, and nothing else. */
export interface Api {
  start(): Promise<Outcome<Flow>>;
  flow(flowId: string): Promise<Outcome<Flow>>;
  step(href: string): Promise<Outcome<Step>>;
  submit(href: string, data: unknown, etag: string | null): Promise<Outcome<Flow>>;
}

/** How long a call may take before the page says the server could not be reached. */
const requestTimeoutMs = 20_000;

/**
 * A client for one flow of the API mounted at `base`. The flow's name resolves against
 * `base`; links from representations are absolute paths (they include the base path).
 *
 * @example const api = createApi(new URL("/", location.href), "onboarding");
 */
export function createApi(base: URL, flowName: string): Api {
  const resolve = (path: string) => new URL(path, base);

  async function call<T>(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string | null } = {},
  ): Promise<Outcome<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.ifMatch) headers["if-match"] = options.ifMatch;
    let response: Response;
    try {
      response = await fetch(resolve(path), {
        method,
        headers,
        // Revalidate with the ETag every time: a cached representation may be stale.
        cache: "no-cache",
        // A server that takes the connection but never answers counts as unreachable.
        signal: AbortSignal.timeout(requestTimeoutMs),
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch {
      return { ok: false, problem: unreachable() };
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok && body !== undefined) {
      return { ok: true, value: body as T, etag: response.headers.get("etag") };
    }
    return { ok: false, problem: toProblem(response, body) };
  }

  return {
    start: () => call<Flow>("POST", flowName),
    flow: (flowId) => call<Flow>("GET", `${flowName}/${encodeURIComponent(flowId)}`),
    step: (href) => call<Step>("GET", href),
    submit: (href, data, etag) => call<Flow>("PUT", href, { body: data, ifMatch: etag }),
  };
}

function unreachable(): Problem {
  return { status: 0, title: "The server could not be reached" };
}

function toProblem(response: Response, body: unknown): Problem {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  return {
    status: response.status,
    title: typeof fields.title === "string" ? fields.title : response.statusText,
    ...(typeof fields.detail === "string" ? { detail: fields.detail } : {}),
    ...(Array.isArray(fields.errors) ? { errors: fields.errors.filter(isFieldError) } : {}),
  };
}

function isFieldError(value: unknown): value is FieldError {
  const error = value as Partial<FieldError> | null;
  return typeof error?.path === "string" && typeof error.message === "string";
}
