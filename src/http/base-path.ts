/** A base path: empty, or `/segment` repeated (never `.` or `..`), with no trailing slash. */
const basePathPattern = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)*$/;

/**
 * The base path a handler is mounted at, checked: `""` for none (`"/"` and `undefined`
 * mean none too), else a path such as `"/api"` or `"/api/v1"`.
 *
 * @throws Error for a path with a trailing slash, a query, a `.` or `..` segment, or
 * characters outside letters, digits, `-`, `_`, `.` and `~`.
 * @example settleBasePath("/") // ""
 * @example settleBasePath("/api") // "/api"
 */
export function settleBasePath(basePath: string | undefined): string {
  const base = basePath === "/" ? "" : (basePath ?? "");
  if (!basePathPattern.test(base)) {
    throw new Error(
      `basePath "${base}" must be empty or a path like "/api" or "/api/v1": each segment of letters, digits, "-", "_", "." or "~" (not "." or ".."), no query, no trailing slash`,
    );
  }
  return base;
}
