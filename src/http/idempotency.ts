import { createHash } from "node:crypto";
import { WaymarkError } from "../errors.ts";
import type { FlowStore, StoredResponse } from "../store/types.ts";
import { type BodyLimits, readBody } from "./body.ts";

/** How long a key and its first response are kept for replay. */
const keepMs = 24 * 3_600_000;
/** How long an unfinished claim blocks retries, should its request never finish. */
const leaseMs = 60_000;

/** Printable ASCII, 1 to 255 characters. */
const keyPattern = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/**
 * Runs `create` at most once per `Idempotency-Key` (IETF httpapi draft, Stripe's rules):
 * a retry with the same key and body replays the first response; the same key with a
 * different body is 422; the same key while the first request runs is 409. Only
 * successful responses are kept; a failure releases the key for a retry.
 */
export async function idempotent(
  request: Request,
  scope: string,
  { store, limits, now }: { store: FlowStore; limits: BodyLimits; now: Date },
  create: () => Promise<StoredResponse>,
): Promise<Response> {
  const key = request.headers.get("idempotency-key");
  if (key === null) return toResponse(await create());
  if (!keyPattern.test(key)) {
    throw new WaymarkError(
      "invalid-idempotency-key",
      "Idempotency-Key must be 1 to 255 printable ASCII characters",
    );
  }
  const body = await readBody(request, limits);
  const fingerprint = createHash("sha256").update(scope).update("\0").update(body).digest("hex");
  const scoped = `${scope}:${key}`;
  const at = now.getTime();
  const existing = await store.claimIdempotencyKey(scoped, {
    fingerprint,
    now: at,
    leaseUntil: at + leaseMs,
    keepUntil: at + keepMs,
  });
  if (existing) {
    if (existing.fingerprint !== fingerprint) {
      throw new WaymarkError(
        "idempotency-key-reused",
        "This Idempotency-Key was first sent with a different request; use a new key",
      );
    }
    if (!existing.response) {
      throw new WaymarkError(
        "idempotency-key-in-flight",
        "The first request with this Idempotency-Key has not finished; retry shortly",
      );
    }
    return toResponse(existing.response, { "idempotent-replayed": "true" });
  }
  try {
    const response = await create();
    await store.finishIdempotencyKey(scoped, response);
    return toResponse(response);
  } catch (error) {
    // Should the release fail too, the lease runs out and a retry takes the key over.
    await store.releaseIdempotencyKey(scoped, fingerprint).catch(() => undefined);
    throw error;
  }
}

function toResponse(stored: StoredResponse, extra: Record<string, string> = {}): Response {
  return new Response(stored.body, {
    status: stored.status,
    headers: { ...stored.headers, ...extra },
  });
}
