import type { FlowDescription } from "../contract/index.ts";
import type { FlowDefinition } from "../flow/types.ts";
import { createHandle, type HandleContext } from "./handle.ts";
import { newIdempotencyKey } from "./idempotency-key.ts";
import { toResult } from "./result.ts";
import { isTransient, problemCode, retryPolicy, withRetries } from "./retry.ts";
import { type Answer, createSend } from "./transport.ts";
import type {
  Client,
  ClientOptions,
  FlowHandle,
  FlowValue,
  Result,
  StartOptions,
} from "./types.ts";
import { flowUrls } from "./urls.ts";

/**
 * A typed client for one flow of a Waymark API, for browsers and Node 20 (the global
 * `fetch`, or the one given). Give it the flow's definition as a type argument
 * (`import type` is enough: no server code is loaded) and step names and step data are
 * checked at compile time: an unknown step, a missing field or a wrong type does not
 * compile. Every call answers a {@link Result}; HTTP errors, an unreachable server and a
 * timeout are problems, never throws.
 *
 * @throws TypeError when `baseUrl` is not a URL (relative ones only resolve in a page).
 * @example
 * import { createClient } from "waymark/client";
 * import type { onboarding } from "./flows";
 *
 * const client = createClient<typeof onboarding>({ baseUrl: "https://example.com/api", flow: "onboarding" });
 * const started = await client.start();
 * if (!started.ok) throw new Error(started.problem.detail);
 * const flow = started.value;
 * const saved = await flow.submit("personal-info", {
 *   firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", dateOfBirth: "1990-12-10",
 * });
 * if (!saved.ok) console.log(saved.problem.errors); // [{ path: "/email", message: "…" }]
 * // After a reload: the id (and, for `secret` flows, the secret) is all it takes.
 * const again = client.resume(flow.id, { secret: flow.secret });
 * @example
 * // In German, then in Arabic when the person switches language.
 * const client = createClient<typeof onboarding>({ baseUrl: "/api", flow: "onboarding", language: "de" });
 * client.setLanguage("ar");
 */
export function createClient<Flow extends FlowDefinition = FlowDefinition>(
  options: ClientOptions,
): Client<Flow> {
  let language = options.language;
  const context: HandleContext = {
    send: createSend(options, () => language),
    urls: flowUrls(options.baseUrl, options.flow),
    policy: retryPolicy(options.retry),
  };
  const { send, urls, policy } = context;
  /** Set once the server refused an Idempotency-Key: it keeps no flows (token mode). */
  let keysRefused = false;

  const post = (key: string | undefined) => () =>
    send({
      method: "POST",
      url: urls.flow,
      headers: key === undefined ? {} : { "idempotency-key": key },
    });

  async function create(given: StartOptions["idempotencyKey"]): Promise<Answer> {
    const key = given === false || keysRefused ? undefined : (given ?? newIdempotencyKey());
    // Without a key a repeated POST could create a second flow, unless the server keeps
    // none: where keys are refused, a start stores nothing, so repeating it is harmless.
    const repeatable = key !== undefined || keysRefused;
    const answer = await withRetries(policy, post(key), (a) => repeatable && isTransient(a));
    if (key === undefined || !refusesKeys(answer)) return answer;
    keysRefused = true;
    return withRetries(policy, post(undefined), isTransient);
  }

  return {
    flow: options.flow,

    async start(startOptions: StartOptions = {}): Promise<Result<FlowHandle<Flow>>> {
      const result = toResult<FlowValue<Flow>>(await create(startOptions.idempotencyKey));
      if (!result.ok) return result;
      const { value, etag } = result;
      const handle = createHandle<Flow>(context, {
        id: value.flowId,
        etag,
        secret: value.flowSecret,
        latest: value,
      });
      return { ok: true, value: handle, etag };
    },

    resume(flowId, resumeOptions = {}) {
      return createHandle<Flow>(context, { id: flowId, ...resumeOptions });
    },

    async describe(): Promise<Result<FlowDescription>> {
      return toResult(
        await withRetries(policy, () => send({ method: "GET", url: urls.flow }), isTransient),
      );
    },

    get language() {
      return language;
    },

    setLanguage(next) {
      language = next;
    },
  };
}

function refusesKeys(answer: Answer): boolean {
  return (
    answer.reached &&
    answer.status === 400 &&
    problemCode(answer.body) === "idempotency-key-unsupported"
  );
}
