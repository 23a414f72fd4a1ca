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
 * The conditions a write carries, as the client sent them: `If-Match` with entity tags
 * from earlier responses (RFC 9110 §13.1.1). `*` only asks that the flow exists.
 *
 * @example { ifMatch: '"v3"' }
 */
export interface Preconditions {
  ifMatch?: string | undefined;
}

/** Whether the write is conditional on particular entity tags (not just on existence). */
export function hasEntityTags(preconditions: Preconditions | undefined): boolean {
  const ifMatch = preconditions?.ifMatch;
  return ifMatch !== undefined && ifMatch.trim() !== "*";
}

/**
 * Refuses the write unless `If-Match` names the current entity tag (strong comparison).
 *
 * @throws WaymarkError `precondition-failed` when it does not.
 */
export function checkPreconditions(
  preconditions: Preconditions | undefined,
  current: string,
): void {
  if (
    hasEntityTags(preconditions) &&
    !etagMatches(preconditions?.ifMatch, current, { weak: false })
  ) {
    throw staleEtag();
  }
}

/** The refusal for a write whose `If-Match` names a version that is gone. */
export function staleEtag(): WaymarkError {
  return new WaymarkError(
    "precondition-failed",
    "The flow has changed since the version in If-Match; read it again",
  );
}
