import type { ProblemDocument } from "../contract/index.ts";
import { timedOut, unreachable } from "./problems.ts";
import type { ClientOptions, HeaderValues } from "./types.ts";

/** One request to send. */
export interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: URL;
  /** Headers of this call; they win over the client's `headers`. */
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON when present. */
  json?: unknown;
}

/**
 * What came back: an answer (its body parsed as JSON, `undefined` when empty or not
 * JSON), or the problem of an answer that never came.
 */
export type Answer =
  | { reached: true; status: number; statusText: string; headers: Headers; body: unknown }
  | { reached: false; problem: ProblemDocument };

/** Sends calls with the client's fetch, headers, credentials and timeout. */
export type Send = (call: Call) => Promise<Answer>;

const defaultTimeoutMs = 20_000;

/**
 * The one place requests go out. A network failure, a `fetch` that throws and a
 * timeout all become a status-0 problem; every status comes back as an answer.
 * `language` is read for each request, so a change applies to the next one.
 */
export function createSend(
  options: ClientOptions,
  language: () => string | undefined = () => options.language,
): Send {
  const fetchRequest = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;

  return async (call) => {
    const headers = new Headers(await extraHeaders(options.headers));
    headers.set("accept", "application/json, application/problem+json");
    const tag = language();
    if (tag !== undefined) headers.set("accept-language", tag);
    if (call.json !== undefined) headers.set("content-type", "application/json");
    for (const [name, value] of Object.entries(call.headers ?? {})) headers.set(name, value);
    const signal = AbortSignal.timeout(timeoutMs);
    const request = new Request(call.url, {
      method: call.method,
      headers,
      signal,
      // The client revalidates with its own ETags; an HTTP cache must not answer for it.
      cache: "no-store",
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(call.json === undefined ? {} : { body: JSON.stringify(call.json) }),
    });
    try {
      // Raced as well as signalled: a `fetch` given to the client may ignore the signal.
      const response = await untilAborted(fetchRequest(request), signal);
      const text = await untilAborted(response.text(), signal);
      return {
        reached: true,
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: parseJson(text),
      };
    } catch (error) {
      return {
        reached: false,
        problem: signal.aborted
          ? timedOut(call.url.origin, timeoutMs)
          : unreachable(call.url.origin, error),
      };
    }
  };
}

async function extraHeaders(source: ClientOptions["headers"]): Promise<HeaderValues> {
  return typeof source === "function" ? await source() : (source ?? {});
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
