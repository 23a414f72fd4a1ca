import type { FieldError } from "../contract/problem.ts";
import { WaymarkError } from "../errors.ts";

/** The places where a definition's own code runs. */
export type Hook =
  | "when"
  | "check"
  | "schema"
  | "onComplete"
  | "beforeComplete"
  | "authorize"
  | "migrate"
  | "messages";

/**
 * Where a definition's code ran: the flow, the step (none for flow-wide hooks), the
 * hook, and for `migrate` the versions it moves between.
 */
export interface HookSite {
  flow: string;
  step?: string;
  hook: Hook;
  fromVersion?: number;
  toVersion?: number;
}

/**
 * Runs a definition's own code (`when`, `check`, a schema, `onComplete`, `authorize`, a
 * `messages` function). Whatever it
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
    site.step !== undefined
      ? `step "${site.step}" of "${site.flow}"`
      : site.fromVersion !== undefined
        ? `"${site.flow}" from version ${site.fromVersion} to ${site.toVersion}`
        : `"${site.flow}"`;
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
  throw new TypeError(`when must return true or false, not ${describeValue(refused(value))}`);
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
    `check must return nothing or [{ path, message }] with strings, not ${describeValue(refused(value))}`,
  );
}

/**
 * A refused promise is never awaited: its later rejection must not go unhandled, or it
 * would end the process.
 */
function refused(value: unknown): unknown {
  if (value instanceof Promise) value.catch(() => undefined);
  return value;
}

/**
 * The step's output as plain JSON: objects (plain, not class instances), arrays, strings,
 * finite numbers, booleans and null, which every store keeps and reads back as written.
 * An object member whose value is `undefined` is absent, as in JSON (a schema's optional
 * field transformed to `undefined`); anything else (a `Date`, a `BigInt`, `NaN`, a
 * cycle, `undefined` in an array) is refused. The top level must be an object.
 *
 * @throws TypeError naming the JSON Pointer of the first offending value; run inside
 * {@link runUserCode}, it becomes a `definition-error` of the schema.
 * @example plainJsonObject({ name: "Ada", nickname: undefined }) // { name: "Ada" }
 */
export function plainJsonObject(value: unknown): Record<string, unknown> {
  const copy = plainJson(value, undefined, new Set());
  if (typeof copy !== "object" || copy === null || Array.isArray(copy)) {
    throw new TypeError("the step's output is not an object");
  }
  return copy as Record<string, unknown>;
}

/** Where a value sits: its key, under its parent. Spelled out only for an error. */
interface Place {
  parent: Place | undefined;
  key: string;
}

function plainJson(value: unknown, place: Place | undefined, ancestors: Set<object>): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  const proto = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  const isArray = Array.isArray(value);
  if (
    (!isArray && proto !== Object.prototype && proto !== null) ||
    ancestors.has(value as object)
  ) {
    throw new TypeError(`the step's output is not plain JSON at "${pointerOf(place)}"`);
  }
  ancestors.add(value as object);
  let copy: unknown[] | Record<string, unknown>;
  if (isArray) {
    copy = (value as unknown[]).map((item, index) =>
      plainJson(item, { parent: place, key: String(index) }, ancestors),
    );
  } else {
    // Entries, not assignment: a member named "__proto__" stays a member.
    const members: Array<[string, unknown]> = [];
    for (const [key, member] of Object.entries(value as object)) {
      if (member !== undefined)
        members.push([key, plainJson(member, { parent: place, key }, ancestors)]);
    }
    copy = Object.fromEntries(members);
  }
  ancestors.delete(value as object);
  return copy;
}

/** The JSON Pointer (RFC 6901) of a place. */
function pointerOf(place: Place | undefined): string {
  let path = "";
  for (let at = place; at; at = at.parent) {
    path = `/${at.key.replaceAll("~", "~0").replaceAll("/", "~1")}${path}`;
  }
  return path;
}

function isFieldError(value: unknown): value is FieldError {
  const error = value as Partial<FieldError> | null;
  return typeof error?.path === "string" && typeof error.message === "string";
}

function describeValue(value: unknown): string {
  if (value instanceof Promise) return "a promise (it is never awaited)";
  return value === null ? "null" : typeof value;
}
