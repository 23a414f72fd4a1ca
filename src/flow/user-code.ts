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
