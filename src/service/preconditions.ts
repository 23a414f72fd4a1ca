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
