import { WaymarkError } from "../errors.ts";

/**
 * Whether an `If-Match` / `If-None-Match` header value matches the current ETag
 * (RFC 9110 §13.1). `If-Match` uses strong comparison (a weak tag never matches);
 * `If-None-Match` uses weak comparison. `*` matches any existing record.
 */
export function etagMatches(
  header: string | undefined,
  current: string,
  { weak }: { weak: boolean },
): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    if (tag.startsWith("W/")) return weak && tag.slice(2) === current;
    return tag === current;
  });
}

/**
 * The conditions a request carries, as the client sent them (RFC 9110 §13.1):
 * `If-Match` and `If-None-Match` with entity tags from earlier responses, or `*`, which
 * matches any flow that exists. Waymark sends no `Last-Modified` (entity tags are
 * exact; dates have one-second resolution), so `If-Unmodified-Since` and
 * `If-Modified-Since` do not apply and are ignored, as §13.1.3–4 allow.
 *
 * @example { ifMatch: '"v3"' }
 * @example { ifNoneMatch: "*" } // create-only: refused, since the flow exists
 */
export interface Preconditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

/**
 * RFC 9110 §13.2.2, in its order, for a flow that exists with entity tag `current`:
 * `If-Match` (strong comparison) false → 412; else `If-None-Match` (weak comparison)
 * true → 304 for a read (`safe`), 412 for anything else; else the request proceeds.
 * The one evaluation every route uses.
 *
 * @throws WaymarkError `precondition-failed`.
 * @example evaluatePreconditions({ ifNoneMatch: '"v3"' }, '"v3"', { safe: true }) // "not-modified"
 */
export function evaluatePreconditions(
  preconditions: Preconditions | undefined,
  current: string,
  { safe }: { safe: boolean },
): "proceed" | "not-modified" {
  const { ifMatch, ifNoneMatch } = preconditions ?? {};
  if (ifMatch !== undefined && !etagMatches(ifMatch, current, { weak: false })) {
    throw staleEtag();
  }
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, current, { weak: true })) {
    if (safe) return "not-modified";
    throw new WaymarkError(
      "precondition-failed",
      ifNoneMatch.trim() === "*"
        ? "If-None-Match: * asks that the flow not exist, and it does"
        : "If-None-Match names the flow's current state",
    );
  }
  return "proceed";
}

/**
 * Whether a write is pinned to particular entity tags by `If-Match` (not just to the
 * flow existing): a lost compare-and-set then means the client's version is gone.
 */
export function hasEntityTags(preconditions: Preconditions | undefined): boolean {
  const ifMatch = preconditions?.ifMatch;
  return ifMatch !== undefined && ifMatch.trim() !== "*";
}

/** The refusal for a request whose `If-Match` names a version that is gone. */
export function staleEtag(): WaymarkError {
  return new WaymarkError(
    "precondition-failed",
    "The flow has changed since the version in If-Match; read it again",
  );
}
