import type { FlowDefinition } from "../flow/types.ts";
import { toResult } from "./result.ts";
import { isTransient, type RetryPolicy, withRetries } from "./retry.ts";
import type { Call, Send } from "./transport.ts";
import type { FlowHandle, FlowValue, Result, StepValue, WriteOptions } from "./types.ts";
import type { FlowUrls } from "./urls.ts";

/** What every handle of one client shares. */
export interface HandleContext {
  send: Send;
  urls: FlowUrls;
  policy: RetryPolicy;
}

/** Where a handle starts from: a start's answer, or what a caller kept for a resume. */
export interface HandleState<Flow extends FlowDefinition> {
  id: string;
  etag?: string | undefined;
  secret?: string | undefined;
  latest?: FlowValue<Flow> | undefined;
}

/**
 * A handle on one flow. Its state (id, ETag, the latest representation) moves only on
 * a flow representation the server answered, so a 304 can always be answered from it.
 */
export function createHandle<Flow extends FlowDefinition>(
  context: HandleContext,
  initial: HandleState<Flow>,
): FlowHandle<Flow> {
  const { send, urls, policy } = context;
  let { id, etag, latest } = initial;
  const secret = initial.secret;

  const credentials = (): Record<string, string> =>
    secret === undefined ? {} : { authorization: `Bearer ${secret}` };
  const read = (call: Call) => withRetries(policy, () => send(call), isTransient);
  const ifMatch = (options: WriteOptions | undefined): Record<string, string> => {
    const tag = options?.ifMatch === undefined ? etag : options.ifMatch;
    return tag === false || tag === undefined ? {} : { "if-match": tag };
  };

  /** Keeps a representation the server answered; in token mode its id is the newest token. */
  function adopt(result: Result<FlowValue<Flow>>): Result<FlowValue<Flow>> {
    if (result.ok) {
      latest = result.value;
      etag = result.etag;
      id = result.value.flowId;
    }
    return result;
  }

  const handle = {
    get id() {
      return id;
    },
    get etag() {
      return etag;
    },
    get secret() {
      return secret;
    },
    get latest() {
      return latest;
    },

    async get(): Promise<Result<FlowValue<Flow>>> {
      const cached = latest !== undefined && etag !== undefined ? { latest, etag } : undefined;
      const answer = await read({
        method: "GET",
        url: urls.instance(id),
        headers: { ...credentials(), ...(cached ? { "if-none-match": cached.etag } : {}) },
      });
      if (cached && answer.reached && answer.status === 304) {
        return { ok: true, value: cached.latest, etag: cached.etag };
      }
      return adopt(toResult(answer));
    },

    async step(step: string | number): Promise<Result<StepValue<Flow>>> {
      const answer = await read({
        method: "GET",
        url: urls.step(id, step),
        headers: credentials(),
      });
      return toResult(answer);
    },

    async submit(
      step: string | number,
      data: unknown,
      options?: WriteOptions,
    ): Promise<Result<FlowValue<Flow>>> {
      // Never retried: the caller decides, after reading the flow, whether it landed.
      const answer = await send({
        method: "PUT",
        url: urls.step(id, step),
        headers: { ...credentials(), ...ifMatch(options) },
        json: data,
      });
      return adopt(toResult(answer));
    },

    async recover(options?: WriteOptions): Promise<Result<FlowValue<Flow>>> {
      // Never retried, like the other writes: a repeat after a lost answer 412s on If-Match.
      const answer = await send({
        method: "POST",
        url: urls.recover(id),
        headers: { ...credentials(), ...ifMatch(options) },
      });
      return adopt(toResult(answer));
    },

    async erase(options?: WriteOptions): Promise<Result<null>> {
      const answer = await send({
        method: "DELETE",
        url: urls.instance(id),
        headers: { ...credentials(), ...ifMatch(options) },
      });
      return toResult<null>(answer, true);
    },
  };
  // One implementation serves both overloads of `step` and `submit`, which differ in types only.
  return handle as FlowHandle<Flow>;
}
