import { WaymarkError } from "../errors.ts";

/**
 * Whether an `If-Match` / `If-None-Match` header value matches the current ETag
 * (RFC 9110 §13.1). `If-Match` uses strong comparison (a weak tag never matches);
 * `If-None-Match` uses weak comparison. `*` matches any existing record. With
 * `anyLanguage`, a tag of `current` in any language ({@link representationTag}) matches.
 */
export function etagMatches(
  header: string | undefined,
  current: string,
  { weak, anyLanguage = false }: { weak: boolean; anyLanguage?: boolean },
): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  const same = (tag: string) => tag === current || (anyLanguage && isLanguageTagOf(tag, current));
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    if (tag.startsWith("W/")) return weak && same(tag.slice(2));
    return same(tag);
  });
}

/** A language tag as an entity tag carries it: BCP 47 letters, digits and hyphens. */
const languageSuffix = /^-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

/**
 * The entity tag of a flow's state as represented in `language`: the state's own tag
 * (`"v3"`, or a token's) for English, the language appended otherwise (`"v3-de"`).
 * Representations differ by language (titles, schemas), so each gets its own strong
 * validator (RFC 9110 §8.8.3); English keeps the tag it always had.
 *
 * @example representationTag('"v3"', "de") // '"v3-de"'
 * @example representationTag('"v3"', "en") // '"v3"'
 */
export function representationTag(stateTag: string, language: string | undefined): string {
  if (language === undefined || language.toLowerCase() === "en") return stateTag;
  return `${stateTag.slice(0, -1)}-${language}"`;
}

/**
 * Whether `tag` is `stateTag` with a language appended, as {@link representationTag}
 * makes it. Read against the current state's tag, never parsed on its own: a token's tag
 * (base64url, of fixed length) may itself hold hyphens.
 */
function isLanguageTagOf(tag: string, stateTag: string): boolean {
  const stem = stateTag.slice(0, -1);
  return (
    tag.startsWith(stem) && tag.endsWith('"') && languageSuffix.test(tag.slice(stem.length, -1))
  );
}

/**
 * The conditions a request carries, as the client sent them (RFC 9110 §13.1):
 * `If-Match` and `If-None-Match` with entity tags from earlier responses, or `*`, which
 * matches any flow that exists. Waymark sends no `Last-Modified` (entity tags are
 * exact; dates have one-second resolution), so `If-Unmodified-Since` and
 * `If-Modified-Since` do not apply and are ignored, as §13.1.3–4 allow.
 *
 * `language` is the language the answer is represented in, which its entity tag names
 * (see {@link representationTag}).
 *
 * @example { ifMatch: '"v3"' }
 * @example { ifNoneMatch: '"v3-de"', language: "de" }
 * @example { ifNoneMatch: "*" } // create-only: refused, since the flow exists
 */
export interface Preconditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  /** The representation's language; English when absent. */
  language?: string | undefined;
}

/**
 * RFC 9110 §13.2.2, in its order, for a flow that exists in the state of entity tag
 * `current`: `If-Match` (strong comparison) false → 412; else `If-None-Match` (weak
 * comparison) true → 304 for a read (`safe`), 412 for anything else; else the request
 * proceeds. The one evaluation every route uses. `If-Match` asks for a state, so the tag
 * of any language's representation of the current state matches it; `If-None-Match`
 * asks whether the client's copy is the one it would get, so it is compared with the
 * tag of the representation in `preconditions.language`.
 *
 * @throws WaymarkError `precondition-failed`.
 * @example evaluatePreconditions({ ifNoneMatch: '"v3"' }, '"v3"', { safe: true }) // "not-modified"
 * @example evaluatePreconditions({ ifMatch: '"v3-de"' }, '"v3"', { safe: false }) // "proceed"
 */
export function evaluatePreconditions(
  preconditions: Preconditions | undefined,
  current: string,
  { safe }: { safe: boolean },
): "proceed" | "not-modified" {
  const { ifMatch, ifNoneMatch } = preconditions ?? {};
  if (ifMatch !== undefined && !etagMatches(ifMatch, current, { weak: false, anyLanguage: true })) {
    throw staleEtag();
  }
  const represented = representationTag(current, preconditions?.language);
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, represented, { weak: true })) {
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
