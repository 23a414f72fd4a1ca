import type {
  FlowDescription,
  FlowRepresentation,
  ProblemDocument,
  StepRepresentation,
} from "../contract/index.ts";
import type { FlowDataOf, FlowDefinition, StepInput, StepName, StepOutput } from "../flow/types.ts";

/**
 * What every call of the client answers: the value and the ETag that came with it, or
 * the problem. 4xx and 5xx answers are problems, never throws; so are a server that
 * could not be reached and one that did not answer in time (`status: 0`).
 *
 * @example
 * const result = await flow.submit("personal-info", data);
 * if (result.ok) show(result.value.currentStep);
 * else if (result.problem.status === 422) showErrors(result.problem.errors ?? []);
 * else if (result.retryAfterMs !== undefined) setTimeout(retry, result.retryAfterMs);
 */
export type Result<Value> =
  | { ok: true; value: Value; etag: string | undefined }
  | {
      ok: false;
      problem: ProblemDocument;
      /**
       * How long the server asked the caller to wait before trying again, in
       * milliseconds, from its `Retry-After` (a 429, a 503, a 409 in flight).
       */
      retryAfterMs?: number;
    };

/**
 * A flow's saved data as the client types it: by step name for a typed definition
 * (`FlowDataOf<Flow>`), the contract's loose record for any flow.
 */
export type ClientFlowData<Flow extends FlowDefinition> =
  string extends StepName<Flow> ? FlowRepresentation["data"] : FlowDataOf<Flow>;

/**
 * The flow representation (`GET /{flow}/{flowId}`, and the answer to every write) with
 * `data` typed by step name.
 *
 * @example
 * const flow: FlowValue<typeof onboarding> = result.value;
 * flow.data["contract-details"]?.contractType; // "employee" | "contractor" | undefined
 */
export type FlowValue<Flow extends FlowDefinition = FlowDefinition> = FlowRepresentation<
  ClientFlowData<Flow>
>;

/**
 * One step as `GET /{flow}/{flowId}/step/{step}` answers it, its saved `data` typed by
 * the step's schema output (`null` until the step is done).
 *
 * @example (await flow.step("review")).value?.data?.acceptTerms // true | undefined
 */
export type StepValue<
  Flow extends FlowDefinition = FlowDefinition,
  Name extends StepName<Flow> = StepName<Flow>,
> = StepRepresentation<
  string extends StepName<Flow> ? Record<string, unknown> : Readonly<StepOutput<Flow, Name>>
>;

/**
 * What `submit` takes for a step: the step schema's input type for a typed definition,
 * any JSON object for any flow.
 *
 * @example const body: StepData<typeof onboarding, "review"> = { acceptTerms: true };
 */
export type StepData<
  Flow extends FlowDefinition = FlowDefinition,
  Name extends StepName<Flow> = StepName<Flow>,
> = string extends StepName<Flow> ? Readonly<Record<string, unknown>> : StepInput<Flow, Name>;

/**
 * Headers sent with every request: an object of names to values, or a `Headers`.
 * @example { "x-tenant": "acme" }
 */
export type HeaderValues = Readonly<Record<string, string>> | Headers;

/**
 * How many times, and how patiently, a request that is safe to repeat is sent again
 * (see {@link ClientOptions.retry}).
 *
 * @example { attempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 }
 */
export interface RetryOptions {
  /**
   * Attempts in all, the first one included; 1 turns retries off.
   * @default 3
   */
  attempts?: number | undefined;
  /**
   * The wait before the first retry, in milliseconds, doubled for each later one, with
   * random jitter; a `Retry-After` answer replaces it.
   * @default 250
   */
  baseDelayMs?: number | undefined;
  /**
   * The longest wait between two attempts, in milliseconds. An answer whose
   * `Retry-After` asks for longer is returned as it is rather than retried early.
   * @default 5000
   */
  maxDelayMs?: number | undefined;
}

/**
 * The options of {@link createClient}.
 *
 * @example
 * { baseUrl: "https://example.com/api", flow: "onboarding", timeoutMs: 10_000, credentials: "include" }
 */
export interface ClientOptions {
  /**
   * Where the API is mounted, base path included: `"https://example.com/api"` addresses
   * the flow at `https://example.com/api/{flow}`. In a browser it may be relative to
   * the page (`"/api"`).
   */
  baseUrl: string | URL;
  /** The flow's name, as defined and served (`/{flow}`). */
  flow: string;
  /**
   * What sends requests: anything that takes a Web `Request` and answers a `Response`,
   * such as a Waymark handler's own `fetch` (no socket) or a wrapped `fetch`.
   * @default globalThis.fetch
   */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /**
   * Extra headers for every request, or a function called before each request that
   * returns them (to send a fresh access token, say). For flows whose access is
   * `authorize`, this is how the host app's credentials travel. A flow handle's
   * `flowSecret` replaces any `Authorization` given here. If the function throws or
   * rejects, the call rejects with that error.
   */
  headers?: HeaderValues | (() => HeaderValues | Promise<HeaderValues>) | undefined;
  /**
   * Whether a browser sends cookies: `"include"` for an API on another origin that
   * authenticates by cookie (it must allow credentials in its CORS settings).
   * @default "same-origin"
   */
  credentials?: "omit" | "same-origin" | "include" | undefined;
  /**
   * How long one attempt may take, answer body included, in milliseconds. Past it the
   * call answers a problem with status 0.
   * @default 20000
   */
  timeoutMs?: number | undefined;
  /**
   * Retries of what is safe to send again: reads (`describe`, `get`, `step`), and
   * `start` with an `Idempotency-Key`, on a network failure or timeout, 502, 503 or
   * 504, and for `start` a 409 `idempotency-key-in-flight`, honouring `Retry-After`.
   * Step writes, `recover` and `erase` are never retried. `false` turns retries off.
   * @default { attempts: 3, baseDelayMs: 250, maxDelayMs: 5000 }
   */
  retry?: RetryOptions | false | undefined;
  /**
   * The language to ask answers in, sent as `Accept-Language` (RFC 9110 §12.5.4): a
   * language tag (`"de"`, `"ar"`, `"de-AT"`) or a whole header value
   * (`"de-AT, de;q=0.9, en;q=0.5"`). The server answers in the best match among the
   * languages it ships and those the flow translates into, and English when none
   * matches; titles, schema texts and problems come back in it. Change it later with
   * {@link Client.setLanguage}. It wins over an `Accept-Language` in `headers`.
   * Without it, a browser sends its own `Accept-Language`; Node sends none (English).
   * @example "de"
   */
  language?: string | undefined;
}

/**
 * The options of {@link Client.start}.
 * @example { idempotencyKey: crypto.randomUUID() }
 */
export interface StartOptions {
  /**
   * The `Idempotency-Key` that makes a repeated start return the same flow. Omitted, the
   * client makes one (a random UUID) and retries with it; keep your own to retry across
   * page loads or processes. `false` sends none, and then the start is never retried
   * (on a server that keeps flows in a store: see the README on token mode).
   */
  idempotencyKey?: string | false | undefined;
}

/**
 * What {@link Client.resume} takes besides the flow id.
 * @example { secret: sessionStorage.getItem("flowSecret") ?? undefined }
 */
export interface ResumeOptions {
  /** The `flowSecret` the start answered, for flows whose access is `secret`. */
  secret?: string | undefined;
  /** The ETag last seen, so that the first write is conditional too. */
  etag?: string | undefined;
}

/**
 * What a write takes besides its data.
 * @example { ifMatch: false } // an unconditional write
 */
export interface WriteOptions {
  /**
   * The `If-Match` to send: the handle's latest ETag unless given; `false` sends none
   * (the server then applies the write to whatever version it holds).
   */
  ifMatch?: string | false | undefined;
}

/**
 * A handle on one started flow: it keeps the flow's id (which changes after each write
 * in token mode), its latest ETag (sent as `If-Match` on writes) and its `flowSecret`
 * (sent as `Authorization: Bearer …`). Keep `id` (and `secret`) to resume it later with
 * {@link Client.resume}. Its methods answer a {@link Result}; none throws for an HTTP
 * status or a network failure.
 *
 * @example
 * const saved = await flow.submit("contract-details", { contractType: "employee", startDate: "2027-01-04", role: "Engineer" });
 * if (!saved.ok && saved.problem.status === 412) await flow.get(); // someone else moved it on
 */
export interface FlowHandle<Flow extends FlowDefinition = FlowDefinition> {
  /** The flow id to address it by: in token mode, the newest token. */
  readonly id: string;
  /** The ETag of {@link FlowHandle.latest}; undefined until one was received. */
  readonly etag: string | undefined;
  /** The `flowSecret` this handle sends, for flows whose access is `secret`. */
  readonly secret: string | undefined;
  /** The flow as last received from a start, a read or a write. */
  readonly latest: FlowValue<Flow> | undefined;
  /**
   * Reads the flow (`GET /{flow}/{flowId}`). With a representation at hand it sends
   * `If-None-Match`, and a 304 answers that representation again.
   */
  get(): Promise<Result<FlowValue<Flow>>>;
  /**
   * Reads one step (`GET …/step/{step}`): its saved data, status and JSON Schema. By
   * name the data is typed by the step's schema; by 1-based number, as any step's.
   */
  step<Name extends StepName<Flow>>(step: Name): Promise<Result<StepValue<Flow, Name>>>;
  step(step: number): Promise<Result<StepValue<Flow>>>;
  /**
   * Submits a step's data (`PUT …/step/{step}`) with `If-Match`, and follows the new
   * flow id the answer carries in token mode. By name, the data is typed by the step's
   * schema input; by 1-based number, it may be any step's. A stale ETag answers the
   * 412 problem: read the flow again with {@link FlowHandle.get}.
   */
  submit<Name extends StepName<Flow>>(
    step: Name,
    data: StepData<Flow, Name>,
    options?: WriteOptions,
  ): Promise<Result<FlowValue<Flow>>>;
  submit(
    step: number,
    data: StepData<Flow>,
    options?: WriteOptions,
  ): Promise<Result<FlowValue<Flow>>>;
  /**
   * Brings an expired flow back with its data and a new expiry (`POST
   * /{flow}/{flowId}/recover`), with `If-Match`, and follows the new flow id the answer
   * carries in token mode. The server offers it on the 410 `flow-expired` problem, as its
   * `recover` link, until `recoverableUntil`; past that the flow answers 410 without one.
   * A flow that is live already is answered as it stands. Never retried: after a lost
   * answer, send it again with `{ ifMatch: false }`.
   *
   * @example
   * const read = await flow.get();
   * if (!read.ok && read.problem.recover) await flow.recover({ ifMatch: false });
   */
  recover(options?: WriteOptions): Promise<Result<FlowValue<Flow>>>;
  /**
   * Abandons the flow and erases its data (`DELETE /{flow}/{flowId}`), with `If-Match`.
   * The value is `null`.
   */
  erase(options?: WriteOptions): Promise<Result<null>>;
}

/**
 * A client for one flow of a Waymark API, typed by the flow's definition (see
 * {@link createClient}).
 *
 * @example
 * const started = await client.start();
 * if (!started.ok) throw new Error(started.problem.detail);
 * localStorage.setItem("flow", started.value.id);
 */
export interface Client<Flow extends FlowDefinition = FlowDefinition> {
  /** The flow's name. */
  readonly flow: string;
  /**
   * Starts a flow (`POST /{flow}`) and answers a handle on it. Sends an
   * `Idempotency-Key` and retries with it (see {@link StartOptions}); where the server
   * refuses keys (token mode: 400 `idempotency-key-unsupported`), it starts the flow
   * without one, and from then on sends none.
   */
  start(options?: StartOptions): Promise<Result<FlowHandle<Flow>>>;
  /** A handle on a flow started earlier, from its id (a reload, another process). No request is made. */
  resume(flowId: string, options?: ResumeOptions): FlowHandle<Flow>;
  /** Describes the flow without starting one (`GET /{flow}`): its steps, their schemas, its access mode. */
  describe(): Promise<Result<FlowDescription>>;
  /**
   * The `Accept-Language` the client sends (see {@link ClientOptions.language}).
   * @example if (client.language !== pageLanguage) client.setLanguage(pageLanguage);
   */
  readonly language: string | undefined;
  /**
   * Changes the language of every later request of this client and of its flow handles,
   * when the person using it switches language; `undefined` goes back to what
   * `headers` sends, if anything. A handle's next `get()` then answers the flow in the new
   * language: the server's entity tag names the language, so the cached copy in the old
   * one is not reused.
   *
   * @example
   * client.setLanguage("ar");
   * const read = await flow.get(); // titles and schema texts in Arabic
   */
  setLanguage(language: string | undefined): void;
}
