import { diffSchemas, type SchemaChangeKind } from "./schema-diff.ts";
import type { DefinedStep, FlowDefinition } from "./types.ts";

export type { SchemaChangeKind } from "./schema-diff.ts";

/**
 * What kind of change a {@link FlowChange} is. Flow-level: `flow-added`, `flow-removed`,
 * `version-not-bumped`, `ttl-changed`. Step-level: `step-added`, `step-removed`,
 * `step-renamed` (declared with `renamedFrom`), `step-moved`, `when-added`,
 * `when-removed`, `when-changed`. Field-level: the {@link SchemaChangeKind}s.
 */
export type FlowChangeKind =
  | "flow-added"
  | "flow-removed"
  | "version-not-bumped"
  | "ttl-changed"
  | "step-added"
  | "step-removed"
  | "step-renamed"
  | "step-moved"
  | "when-added"
  | "when-removed"
  | "when-changed"
  | SchemaChangeKind;

/**
 * One difference between two definitions of a flow. Every change has every key, null
 * where it does not apply, so that the list reads the same as JSON.
 *
 * @example
 * {
 *   flow: "onboarding",
 *   kind: "field-added",
 *   step: "personal-info",
 *   path: "/phone",
 *   keyword: null,
 *   from: null,
 *   to: "required",
 *   breaking: true,
 *   covered: false,
 * }
 */
export interface FlowChange {
  /** The flow's name. */
  readonly flow: string;
  readonly kind: FlowChangeKind;
  /** The step, by its name in the new definition (in the old one when it was removed); null for the flow itself. */
  readonly step: string | null;
  /** The field, as a JSON Pointer into the step's data (`""`: all of it); null above field level. */
  readonly path: string | null;
  /** The JSON Schema keyword that changed, for changes of a field's rules. */
  readonly keyword: string | null;
  /**
   * What it was: a version (flows), milliseconds (ttl), a step number (steps added,
   * removed, moved), the old name (renames), `when`'s source text, `"required"` or
   * `"optional"` (fields), a keyword's value. Null when it was absent.
   */
  readonly from: unknown;
  /** What it is now, in the same terms; null when it is absent. */
  readonly to: unknown;
  /**
   * True when the data of flows in flight may no longer validate, or would be left
   * behind: see the rule table in the README ("Comparing two definitions").
   */
  readonly breaking: boolean;
  /**
   * True for a breaking change that the new definition covers: its chain of
   * `migration.from` definitions reaches the old definition's version, or its `retired`
   * policy for that version keeps, restarts or expires those flows, so their data never
   * meets the new schemas.
   */
  readonly covered: boolean;
}

type Draft = Omit<FlowChange, "flow" | "covered"> & { rank: number };

/**
 * The changes from one definition of a flow to another, as `waymark diff` lists them for
 * the newest version of each flow in two files: the flow added or removed (pass
 * `undefined` for the side it is missing from), its steps added, removed, renamed (when
 * the new step says `renamedFrom`) or moved, `when` predicates added, removed or edited
 * (their source text, whitespace aside), the ttl, each step's JSON Schema field by field,
 * and a version left as it was although something changed.
 *
 * Ordered by step (the new definition's order, then removed steps), then by field path.
 * Pure: it runs no definition code.
 *
 * @example
 * const changes = diffFlows(signupV1, signupV2);
 * const blocking = changes.filter((change) => change.breaking && !change.covered);
 * // [{ flow: "signup", kind: "limit-narrowed", step: "account", path: "/email",
 * //    keyword: "maxLength", from: 254, to: 100, breaking: true, covered: false }]
 */
export function diffFlows(
  oldDef: FlowDefinition | undefined,
  newDef: FlowDefinition | undefined,
): FlowChange[] {
  if (!oldDef || !newDef) {
    const only = newDef ?? oldDef;
    if (!only) return [];
    const kind = newDef ? "flow-added" : "flow-removed";
    const [from, to] = newDef ? [null, newDef.version] : [only.version, null];
    return [finish(only.name, false, flowDraft(kind, from, to, !newDef))];
  }
  const drafts = [...stepDrafts(oldDef.steps, newDef.steps)];
  if (oldDef.ttlMs !== newDef.ttlMs) {
    drafts.push(flowDraft("ttl-changed", oldDef.ttlMs, newDef.ttlMs, false));
  }
  if (drafts.length > 0 && newDef.version <= oldDef.version) {
    drafts.push(flowDraft("version-not-bumped", oldDef.version, newDef.version, false));
  }
  const covered = migrationReaches(newDef, oldDef.version) || leavesBehind(newDef, oldDef.version);
  return drafts.sort(byPlace).map((draft) => finish(newDef.name, covered, draft));
}

function* stepDrafts(
  oldSteps: readonly DefinedStep[],
  newSteps: readonly DefinedStep[],
): Generator<Draft> {
  const oldByName = new Map(oldSteps.map((step) => [step.name, step]));
  const newNames = new Set(newSteps.map((step) => step.name));
  const paired = new Map<DefinedStep, DefinedStep>();
  for (const [index, step] of newSteps.entries()) {
    const renamedFrom = typeof step.renamedFrom === "string" ? step.renamedFrom : undefined;
    const earlier =
      oldByName.get(step.name) ??
      (renamedFrom && !newNames.has(renamedFrom) ? oldByName.get(renamedFrom) : undefined);
    const at = { rank: index, step: step.name, path: null, keyword: null };
    if (!earlier) {
      yield { ...at, kind: "step-added", from: null, to: index + 1, breaking: false };
      continue;
    }
    paired.set(earlier, step);
    if (earlier.name !== step.name) {
      yield { ...at, kind: "step-renamed", from: earlier.name, to: step.name, breaking: true };
    }
    yield* whenDrafts(earlier, step, at);
    for (const change of diffSchemas(earlier.jsonSchema, step.jsonSchema)) {
      yield { ...change, rank: index, step: step.name };
    }
  }
  for (const [index, step] of oldSteps.entries()) {
    if (paired.has(step)) continue;
    const at = { rank: newSteps.length + index, step: step.name, path: null, keyword: null };
    yield { ...at, kind: "step-removed", from: index + 1, to: null, breaking: true };
  }
  yield* movedDrafts(oldSteps, newSteps, paired);
}

function* whenDrafts(
  earlier: DefinedStep,
  step: DefinedStep,
  at: Pick<Draft, "rank" | "step" | "path" | "keyword">,
): Generator<Draft> {
  const was = sourceOf(earlier.when);
  const now = sourceOf(step.when);
  const kind =
    was === undefined
      ? now === undefined
        ? undefined
        : "when-added"
      : now === undefined
        ? "when-removed"
        : squeeze(was) === squeeze(now)
          ? undefined
          : "when-changed";
  if (kind) yield { ...at, kind, from: was ?? null, to: now ?? null, breaking: false };
}

/**
 * Steps kept in both definitions whose order changed: those outside the longest run
 * already in order, so that one step moved is one change, not every step it passed.
 */
function* movedDrafts(
  oldSteps: readonly DefinedStep[],
  newSteps: readonly DefinedStep[],
  paired: ReadonlyMap<DefinedStep, DefinedStep>,
): Generator<Draft> {
  const kept = oldSteps.flatMap((step) => {
    const now = paired.get(step);
    return now ? [{ from: oldSteps.indexOf(step), to: newSteps.indexOf(now), name: now.name }] : [];
  });
  const inOrder = longestIncreasingRun(kept.map((step) => step.to));
  for (const [index, step] of kept.entries()) {
    if (inOrder.has(index)) continue;
    yield {
      rank: step.to,
      step: step.name,
      path: null,
      keyword: null,
      kind: "step-moved",
      from: step.from + 1,
      to: step.to + 1,
      breaking: false,
    };
  }
}

/** The indexes of one longest strictly increasing subsequence of `values`. */
function longestIncreasingRun(values: readonly number[]): Set<number> {
  const lengths = values.map(() => 1);
  const previous = values.map(() => -1);
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < i; j++) {
      if ((values[j] ?? 0) < (values[i] ?? 0) && (lengths[j] ?? 0) + 1 > (lengths[i] ?? 0)) {
        lengths[i] = (lengths[j] ?? 0) + 1;
        previous[i] = j;
      }
    }
  }
  const run = new Set<number>();
  let at = lengths.indexOf(Math.max(0, ...lengths));
  while (at >= 0) {
    run.add(at);
    at = previous[at] ?? -1;
  }
  return run;
}

/**
 * Whether following `migration.from` from `definition` reaches `version`. Read
 * defensively: the chain is user data, and may be missing, partial or circular.
 */
function migrationReaches(definition: FlowDefinition, version: number): boolean {
  const visited = new Set<unknown>();
  let current: unknown = definition;
  while (typeof current === "object" && current !== null && !visited.has(current)) {
    visited.add(current);
    const migration: unknown = (current as { migration?: unknown }).migration;
    current =
      typeof migration === "object" && migration
        ? (migration as { from?: unknown }).from
        : undefined;
    const from = (current as { version?: unknown } | undefined)?.version;
    if (typeof from !== "number") return false;
    if (from === version) return true;
  }
  return false;
}

/** Whether `retired` keeps flows of `version` off the new definition, data and all. */
function leavesBehind(definition: FlowDefinition, version: number): boolean {
  const retired: unknown = (definition as { retired?: unknown }).retired;
  const policy =
    typeof retired === "object" && retired
      ? (retired as Record<number, unknown>)[version]
      : undefined;
  return policy === "keep" || policy === "restart" || policy === "expire";
}

function flowDraft(kind: FlowChangeKind, from: unknown, to: unknown, breaking: boolean): Draft {
  return { rank: -1, step: null, path: null, keyword: null, kind, from, to, breaking };
}

function finish(flow: string, covered: boolean, { rank: _, ...draft }: Draft): FlowChange {
  return {
    flow,
    kind: draft.kind,
    step: draft.step,
    path: draft.path,
    keyword: draft.keyword,
    from: draft.from,
    to: draft.to,
    breaking: draft.breaking,
    covered: draft.breaking && covered,
  };
}

/** By step, then field path token by token (`/a` before `/a/b` before `/a-b`). */
function byPlace(a: Draft, b: Draft): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.path === null || b.path === null) return a.path === b.path ? 0 : a.path === null ? -1 : 1;
  const left = a.path.split("/");
  const right = b.path.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i] ?? "", right[i] ?? ""];
    if (x !== y) return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

function sourceOf(when: unknown): string | undefined {
  return typeof when === "function" ? String(when) : undefined;
}

function squeeze(source: string): string {
  return source.replace(/\s+/g, " ").trim();
}
