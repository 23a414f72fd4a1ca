import type { FieldError, ProblemDocument } from "../contract/index.ts";

/**
 * The problem types the client makes up itself, for failures with no answer to read.
 * They share the server's shape, with status 0 where no HTTP status came back.
 */
export const clientProblemTypes = {
  unreachable: "urn:waymark:client:unreachable",
  timeout: "urn:waymark:client:timeout",
  invalidResponse: "urn:waymark:client:invalid-response",
} as const;

/** No answer: the connection failed, or the `fetch` given to the client threw. */
export function unreachable(origin: string, error: unknown): ProblemDocument {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    type: clientProblemTypes.unreachable,
    title: "The server could not be reached",
    status: 0,
    detail: `No answer came from ${origin} (${reason}). Whether a write was applied is unknown: read the flow again before repeating it.`,
  };
}

/** No answer within the client's `timeoutMs`. */
export function timedOut(origin: string, timeoutMs: number): ProblemDocument {
  return {
    type: clientProblemTypes.timeout,
    title: "The server did not answer in time",
    status: 0,
    detail: `No answer came from ${origin} within ${timeoutMs} ms. Whether a write was applied is unknown: read the flow again before repeating it.`,
  };
}

/** A success status whose body is not the JSON the contract promises. */
export function invalidResponse(status: number): ProblemDocument {
  return {
    type: clientProblemTypes.invalidResponse,
    title: "The server's answer could not be read",
    status,
    detail: `The answer (status ${status}) did not carry the expected JSON body.`,
  };
}

/**
 * The problem an error status answers: its problem+json document (extensions kept,
 * `errors` checked to be `{ path, message }`, a missing `type` read as `about:blank` per
 * RFC 9457), or, for a body that is not a JSON object (a proxy's HTML page), a problem
 * made from the status line.
 */
export function problemFromAnswer(
  status: number,
  statusText: string,
  body: unknown,
): ProblemDocument {
  const fallbackTitle = statusText || `HTTP ${status}`;
  if (!isRecord(body)) {
    return { type: "about:blank", title: fallbackTitle, status, detail: fallbackTitle };
  }
  const title = typeof body.title === "string" ? body.title : fallbackTitle;
  const { errors, ...rest } = body;
  return {
    ...rest,
    type: typeof body.type === "string" ? body.type : "about:blank",
    title,
    status,
    detail: typeof body.detail === "string" ? body.detail : title,
    ...(Array.isArray(errors) ? { errors: errors.filter(isFieldError) } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFieldError(value: unknown): value is FieldError {
  return isRecord(value) && typeof value.path === "string" && typeof value.message === "string";
}
