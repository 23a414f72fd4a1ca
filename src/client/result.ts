import { invalidResponse, problemFromAnswer } from "./problems.ts";
import { retryAfterMs as retryAfterOf } from "./retry.ts";
import type { Answer } from "./transport.ts";
import type { Result } from "./types.ts";

/**
 * An answer as a {@link Result}: a 2xx with a JSON body is the value (trusted to be the
 * contract's shape: the server is the one that validates), anything else a problem.
 * `bodyless` accepts a 2xx without a body (204), whose value is `null`.
 */
export function toResult<Value>(answer: Answer, bodyless = false): Result<Value> {
  if (!answer.reached) return { ok: false, problem: answer.problem };
  const { status, body } = answer;
  if (status < 200 || status > 299) {
    const problem = problemFromAnswer(status, answer.statusText, body);
    const retryAfterMs = retryAfterOf(answer.headers.get("retry-after"), Date.now());
    return { ok: false, problem, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  const etag = answer.headers.get("etag") ?? undefined;
  if (bodyless) return { ok: true, value: null as Value, etag };
  if (body === undefined) return { ok: false, problem: invalidResponse(status) };
  return { ok: true, value: body as Value, etag };
}
