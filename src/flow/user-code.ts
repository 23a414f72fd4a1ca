import type { FieldError } from "../contract/problem.ts";
import { WaymarkError } from "../errors.ts";

/** The places where a definition's own code runs. */
export type Hook = "when" | "check" | "schema" | "onComplete";

/** Where a definition's code ran: the flow, the step (none for flow-wide hooks), the hook. */
export interface HookSite {
  flow: string;
  step?: string;
  hook: Hook;
}

/**
 * Runs a definition's own code (`when`, `check`, a schema, `onComplete`). Whatever it
 * throws, or a promise it returns rejects with, becomes a `definition-error` naming the
 * flow, the step and the hook, with the thrown value as `cause`: the request fails with
 * a 500 and writes nothing. The thrown message is never copied, since it may quote data.
 *
 * @example const applies = runUserCode({ flow: "onboarding", step: "review", hook: "when" }, () => step.when(data));
 */
export function runUserCode<T>(site: HookSite, run: () => T): T {
  let result: T;
  try {
    result = run();
  } catch (error) {
    throw definitionError(site, error);
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw definitionError(site, error);
    }) as T;
  }
  return result;
}

function definitionError(site: HookSite, cause: unknown): WaymarkError {
  const where =
    site.step === undefined ? `"${site.flow}"` : `step "${site.step}" of "${site.flow}"`;
  return new WaymarkError("definition-error", `The ${site.hook} code of ${where} failed`, {
    cause,
    extensions: { ...site },
  });
}

/**
 * What a `when` must return: `true` or `false`. A promise (an async `when`) or any other
 * value is a broken definition, not an answer.
 *
 * @throws TypeError for anything else; {@link runUserCode} makes it a `definition-error`.
 */
export function asBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new TypeError(`when must return true or false, not ${describeValue(value)}`);
}

/**
 * What a `check` must return: nothing, or a list of `{ path, message }` strings. A promise
 * (an async `check`) is never awaited, so it is refused rather than read as "no errors".
 *
 * @throws TypeError for anything else; {@link runUserCode} makes it a `definition-error`.
 */
export function asFieldErrors(value: unknown): readonly FieldError[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every(isFieldError)) return value;
  throw new TypeError(
    `check must return nothing or [{ path, message }] with strings, not ${describeValue(value)}`,
  );
}

/**
 * Refuses a step output that is not plain JSON (objects, arrays, strings, finite
 * numbers, booleans, null): what a store keeps must read back as it was written.
 *
 * @throws TypeError naming the JSON Pointer of the first offending value.
 */
export function assertPlainJson(value: unknown): void {
  const stack: Array<[unknown, string]> = [[value, ""]];
  const seen = new Set<object>();
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, path] = item;
    if (node === null || typeof node === "string" || typeof node === "boolean") continue;
    if (typeof node === "number" && Number.isFinite(node)) continue;
    const container =
      Array.isArray(node) ||
      (typeof node === "object" &&
        [Object.prototype, null].includes(Object.getPrototypeOf(node) as object | null));
    if (!container || seen.has(node as object)) {
      throw new TypeError(`the step's output is not plain JSON at "${path}"`);
    }
    seen.add(node as object);
    for (const [key, child] of Object.entries(node as object)) {
      stack.push([child, `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`]);
    }
  }
}

function isFieldError(value: unknown): value is FieldError {
  const error = value as Partial<FieldError> | null;
  return typeof error?.path === "string" && typeof error.message === "string";
}

function describeValue(value: unknown): string {
  if (value instanceof Promise) return "a promise (it is never awaited)";
  return value === null ? "null" : typeof value;
}
