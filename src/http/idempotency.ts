import { createHash, randomUUID } from "node:crypto";
import { WaymarkError } from "../errors.ts";
import type { FlowStore, StoredResponse } from "../store/types.ts";
import { type BodyLimits, readOptionalJsonBody } from "./body.ts";
import { textResponse } from "./text-response.ts";

/** How long a key and its first response are kept for replay. */
const keepMs = 24 * 3_600_000;
/**
 * A keyed create's deadline, counted from its claim, and so how long its claim blocks
 * retries should its process die mid-request: past it the request answers 503 and a retry
 * takes the key over.
 */
const leaseMs = 5_000;
/** How often a release that failed (the store was down) is tried again, within the lease. */
const releaseRetryMs = 250;

/** Printable ASCII, 1 to 255 characters. */
const keyPattern = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/**
 * Creates at most one flow per `Idempotency-Key` (IETF httpapi draft, Stripe's rules):
 * a retry with the same key and body replays the first response; the same key with a
 * different body is 422; the same key while the first request runs is 409. The key's
 * claim fixes the flow id, so a retry after a failure — or after the first request's
 * process died — creates that same flow, never a second one; `create` must therefore
 * accept an id that may already exist. Only successful responses are kept. Token mode
 * (no store) refuses a key: 400 `idempotency-key-unsupported`.
 *
 * The body is optional, read under the same limits as every body (413, 415, 400), and
 * fingerprinted in canonical form (RFC 8785 JCS), so a retry that re-serialises the same
 * JSON with other key order or spacing is the same request.
 *
 * A `guarded` flow (access `secret` or `authorize`) is never replayed from the copy: a
 * replay calls `create` again for the same flow id, which checks the caller like the
 * first request and, for a `secret` flow, issues a new secret (the kept copy leaves out
 * `flowSecret`, so the store never holds one).
 */
export async function idempotent(
  request: Request,
  scope: string,
  { store, limits, now, guarded = false }: IdempotencyContext,
  create: (flowId: string) => Promise<StoredResponse>,
): Promise<Response> {
  const key = request.headers.get("idempotency-key");
  if (key !== null && !keyPattern.test(key)) {
    throw new WaymarkError(
      "invalid-idempotency-key",
      "Idempotency-Key must be 1 to 255 printable ASCII characters",
    );
  }
  const body = await readOptionalJsonBody(request, limits);
  if (key === null) return toResponse(request, await create(randomUUID()));
  if (!store) {
    throw new WaymarkError(
      "idempotency-key-unsupported",
      "Without a store there is nowhere to remember an Idempotency-Key: send the request without it",
    );
  }
  const canonical = body === undefined ? "" : canonicalJson(body);
  const fingerprint = createHash("sha256")
    .update(scope)
    .update("\0")
    .update(canonical)
    .digest("hex");
  const scoped = `${scope}:${key}`;
  const at = now.getTime();
  const token = randomUUID();
  const claim = await store
    .claimIdempotencyKey(scoped, {
      fingerprint,
      token,
      flowId: randomUUID(),
      now: at,
      leaseUntil: at + leaseMs,
      keepUntil: at + keepMs,
    })
    .catch(async (error: unknown) => {
      // The claim may have landed with only its answer lost (the store died in between):
      // give it up as after any failed request, or it would block retries for its lease.
      await release(() => store.releaseIdempotencyKey(scoped, token));
      throw error;
    });
  if (!claim.claimed) {
    const { entry } = claim;
    if (entry.fingerprint !== fingerprint) {
      throw new WaymarkError(
        "idempotency-key-reused",
        "This Idempotency-Key was first sent with a different request; use a new key",
      );
    }
    if (!entry.response) {
      // The time the claim has left, rounded up: the first request either answers or
      // gives the key up by then.
      const left = Math.ceil(((entry.leaseUntil ?? 0) - at) / 1000);
      throw new WaymarkError(
        "idempotency-key-in-flight",
        "The first request with this Idempotency-Key has not finished; retry after Retry-After seconds",
        { retryAfterSeconds: Math.min(Math.max(left, 1), leaseMs / 1000) },
      );
    }
    const replayed = { "idempotent-replayed": "true" };
    if (!guarded) return toResponse(request, entry.response, replayed);
    return toResponse(request, await create(keptFlowId(entry.response)), replayed);
  }
  try {
    const response = await withinLease(async () => {
      const created = await create(claim.flowId);
      await store.finishIdempotencyKey(scoped, token, guarded ? withoutSecret(created) : created);
      return created;
    });
    return toResponse(request, response);
  } catch (error) {
    // The claim keeps its flow id, so the retry creates (or finds) the same flow.
    await release(() => store.releaseIdempotencyKey(scoped, token));
    throw error;
  }
}

/**
 * Runs a claimed create, or throws `store-unavailable` once the claim's lease is over: the
 * request never outlives its claim. Work already sent to the store may still land; it
 * creates the flow the claim names, which the retry then finds.
 */
async function withinLease<T>(work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WaymarkError(
            "store-unavailable",
            "The store did not finish creating the flow in time",
          ),
        ),
      leaseMs,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Gives a claim up. The request that held it has ended, so a retry may take the key over
 * at once; when the store refuses (it is down), the release is tried again until it lands
 * or the lease is over anyway, so a store back within the lease frees the key at once.
 */
async function release(attempt: () => Promise<void>): Promise<void> {
  const retry = (triesLeft: number) => {
    setTimeout(() => {
      attempt().catch(() => {
        if (triesLeft > 1) retry(triesLeft - 1);
      });
    }, releaseRetryMs).unref();
  };
  const first = attempt().catch(() => retry(leaseMs / releaseRetryMs));
  // The answer waits for the release a moment, so a quick retry finds the key free, but
  // never for a store that hangs: the lease is the request's deadline.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    first,
    new Promise((resolve) => {
      timer = setTimeout(resolve, releaseRetryMs);
    }),
  ]);
  clearTimeout(timer);
}

/** What {@link idempotent} needs besides the request. */
export interface IdempotencyContext {
  store: FlowStore | undefined;
  limits: BodyLimits;
  now: Date;
  /** The flow's access mode checks callers: replay by creating again, keep no secret. */
  guarded?: boolean;
}

function withoutSecret(response: StoredResponse): StoredResponse {
  const { flowSecret: _shownOnce, ...rest } = JSON.parse(response.body) as Record<string, unknown>;
  return { ...response, body: JSON.stringify(rest) };
}

function keptFlowId(response: StoredResponse): string {
  const { flowId } = JSON.parse(response.body) as { flowId?: unknown };
  if (typeof flowId !== "string") throw new Error("a kept response without its flowId");
  return flowId;
}

function toResponse(
  request: Request,
  stored: StoredResponse,
  extra: Record<string, string> = {},
): Response {
  return textResponse(request, stored.body, {
    status: stored.status,
    headers: { ...stored.headers, ...extra },
  });
}

/**
 * RFC 8785 (JCS) for an I-JSON value: members sorted by their names' UTF-16 code units,
 * numbers and strings serialised as ECMAScript does, which is JSON.stringify's own
 * output. (The `canonicalize` package does the same but needs Node 22.)
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(object[name])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}
