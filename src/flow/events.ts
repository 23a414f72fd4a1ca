import type { FlowEventType } from "../contract/representation.ts";
import { planSteps, pointer } from "./engine.ts";
import { isJsonEqual, isPlainObject } from "./json.ts";
import type { FlowData, FlowDefinition, FlowRecord, JsonSchema, StepState } from "./types.ts";

export type { FlowEventType } from "../contract/representation.ts";

/**
 * Every {@link FlowEventType}, for what lists them at run time (the OpenAPI document).
 * The record's type makes a missing or unknown one a compile error.
 */
export const flowEventTypes = Object.keys({
  "flow.started": true,
  "step.submitted": true,
  "step.skipped": true,
  "step.reset": true,
  "flow.completed": true,
  "flow.expired": true,
  "flow.deleted": true,
  "flow.migrated": true,
  "flow.recovered": true,
} satisfies Record<FlowEventType, true>) as FlowEventType[];

/**
 * One event of a flow's log. It names steps and fields, never their values, so the log
 * can be kept, shown and sent out without personal data.
 *
 * `id` is `{flowKey}:{version}:{index}`: the write that produced it (the record version
 * it saved) and its place among that write's events, so a retried write never makes a
 * second one, and receivers can deduplicate on it.
 *
 * @example
 * { id: "3f0c…:2:0", type: "step.submitted", flowKey: "3f0c…", flow: "onboarding",
 *   definitionVersion: 1, version: 2, index: 0, at: 1767225600000,
 *   step: "personal-info", fields: ["/email", "/firstName"] }
 */
export interface FlowEvent {
  id: string;
  type: FlowEventType;
  /** The flow's stable identity: its store key (in token mode, the id sealed inside the token). */
  flowKey: string;
  /** The flow definition's name. */
  flow: string;
  /** The definition version the flow is on after the write. */
  definitionVersion: number;
  /** The record version the write produced (for `flow.deleted`, the one after the last). */
  version: number;
  /** The event's place among the events of its write, from 0. */
  index: number;
  /** Epoch milliseconds of the write. */
  at: number;
  /** The step, for `step.*` events. */
  step?: string;
  /** JSON Pointers of the fields concerned, for `step.*` events: names only. */
  fields?: string[];
  /** `flow.migrated`: the definition version the flow came from. */
  fromVersion?: number;
  /** `flow.migrated`: the steps sent back to the user. */
  steps?: string[];
}

/** An event before the write it belongs to has given it an id and a place. */
export type EventDraft = Omit<
  FlowEvent,
  "id" | "flowKey" | "flow" | "definitionVersion" | "version" | "index" | "at"
>;

/**
 * The deterministic id of an event: `{flowKey}:{version}:{index}`.
 *
 * @example eventId("3f0c", 2, 0) // "3f0c:2:0"
 */
export function eventId(flowKey: string, version: number, index: number): string {
  return `${flowKey}:${version}:${index}`;
}

/**
 * Gives drafts their ids and places in the write that saves `record` (or, with
 * `version`, in a write that leaves no record: a deletion).
 *
 * @example sealEvents(record, [{ type: "flow.started" }], now)[0].id // `${record.id}:1:0`
 */
export function sealEvents(
  record: FlowRecord,
  drafts: readonly EventDraft[],
  now: Date,
  version: number = record.version,
): FlowEvent[] {
  return drafts.map((draft, index) => ({
    id: eventId(record.id, version, index),
    type: draft.type,
    flowKey: record.id,
    flow: record.flow,
    definitionVersion: record.definitionVersion,
    version,
    index,
    at: now.getTime(),
    ...(draft.step === undefined ? {} : { step: draft.step }),
    ...(draft.fields === undefined ? {} : { fields: draft.fields }),
    ...(draft.fromVersion === undefined ? {} : { fromVersion: draft.fromVersion }),
    ...(draft.steps === undefined ? {} : { steps: draft.steps }),
  }));
}

/**
 * The events of a step submission that changed the record from `before` to `after`,
 * both on `definition`: the step submitted, then steps the flow went past without (in
 * step order), steps reset, and `flow.completed` when this write completed it. Pure.
 *
 * @example submissionEvents(onboarding, before, after, "personal-info").map((event) => event.type)
 * // ["step.submitted"]
 */
export function submissionEvents(
  definition: FlowDefinition,
  before: FlowRecord,
  after: FlowRecord,
  step: string,
): EventDraft[] {
  const schemaOf = (name: string) => definition.steps.find((s) => s.name === name)?.jsonSchema;
  const named = (name: string, fields: string[]) => declaredFields(schemaOf(name), fields);
  const drafts: EventDraft[] = [
    {
      type: "step.submitted",
      step,
      fields: named(step, changedFields(before.data[step], after.data[step])),
    },
  ];
  const was = planSteps(definition, before.data);
  const now = planSteps(definition, after.data);
  for (const state of now) {
    if (state.name === step) continue;
    const previous = was[state.number - 1];
    const dropped =
      Object.hasOwn(before.data, state.name) && !Object.hasOwn(after.data, state.name)
        ? named(state.name, fieldsOf(before.data[state.name]))
        : undefined;
    if (state.status === "skipped") {
      if (passed(now, state) && !(previous?.status === "skipped" && passed(was, state))) {
        drafts.push({
          type: "step.skipped",
          step: state.name,
          ...(dropped ? { fields: dropped } : {}),
        });
      }
    } else if (dropped) {
      drafts.push({ type: "step.reset", step: state.name, fields: dropped });
    }
  }
  if (!isCompleted(was) && isCompleted(now)) drafts.push({ type: "flow.completed" });
  return drafts;
}

/**
 * The event of a migration from `fromVersion`, with the steps it sent back.
 *
 * @example migrationEvent(1, ["personal-info"]) // { type: "flow.migrated", fromVersion: 1, steps: ["personal-info"] }
 */
export function migrationEvent(fromVersion: number, returned: readonly string[]): EventDraft {
  return { type: "flow.migrated", fromVersion, steps: [...returned] };
}

/** A skipped step the flow has gone past: the current step is after it, or there is none. */
function passed(plan: readonly StepState[], state: StepState): boolean {
  const current = plan.find((step) => step.status === "current");
  return current === undefined || current.number > state.number;
}

/**
 * Whether a plan leaves nothing to do: no step is current.
 *
 * @example isCompleted(planSteps(definition, record.data)) // true once the last step is done
 */
export function isCompleted(plan: readonly StepState[]): boolean {
  return !plan.some((step) => step.status === "current");
}

/**
 * The JSON Pointers of the leaves that differ between two step values: added, removed or
 * changed. Arrays count as one leaf.
 *
 * @example changedFields({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 }, d: 4 }) // ["/b/c", "/d"]
 */
export function changedFields(
  before: FlowData[string] | undefined,
  after: FlowData[string] | undefined,
): string[] {
  const found: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], `${path}${pointer([key])}`);
    } else if (isPlainObject(a)) {
      // Only one side is an object: each of its leaves changed.
      found.push(...leaves(a, path));
    } else if (isPlainObject(b)) {
      found.push(...leaves(b, path));
    } else if (!isJsonEqual(a, b)) found.push(path);
  };
  walk(before, after, "");
  return found;
}

/**
 * The fields (JSON Pointers) as the step's JSON Schema names them: a key the schema does
 * not declare (a record's, one under `additionalProperties`, or an unknown key the schema
 * refused) is data the user entered, such as an email used as a key, so it is replaced
 * by `*`, and the same name is kept once. What events and rejection counts keep.
 *
 * @example declaredFields({ properties: { tags: { type: "object" } } }, ["/tags/ada@example.com", "/nickname"]) // ["/tags/*", "/*"]
 */
export function declaredFields(
  schema: JsonSchema | undefined,
  fields: readonly string[],
): string[] {
  const named = fields.map((field) => {
    let at: unknown = schema;
    return field
      .split("/")
      .slice(1)
      .map((token) => {
        const key = token.replaceAll("~1", "/").replaceAll("~0", "~");
        const declared = declaredProperty(at, key);
        if (declared !== undefined) {
          at = declared;
          return `/${token}`;
        }
        at = undefined;
        return "/*";
      })
      .join("");
  });
  return [...new Set(named)];
}

/**
 * The schema of property `key` where `schema` declares it: in its own `properties`, or in
 * those of a variant (`anyOf`, `oneOf`, `allOf`), as a union step's schema has them.
 */
function declaredProperty(schema: unknown, key: string): unknown {
  if (!isPlainObject(schema)) return undefined;
  const { properties } = schema;
  if (isPlainObject(properties) && Object.hasOwn(properties, key)) return properties[key];
  for (const variants of [schema.anyOf, schema.oneOf, schema.allOf]) {
    if (!Array.isArray(variants)) continue;
    for (const variant of variants) {
      const found = declaredProperty(variant, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The JSON Pointers of a step value's leaves. */
function fieldsOf(value: FlowData[string] | undefined): string[] {
  return isPlainObject(value) ? leaves(value, "") : [];
}

function leaves(value: Record<string, unknown>, path: string): string[] {
  // An empty object is a leaf of its own, except a whole step's data.
  if (path !== "" && Object.keys(value).length === 0) return [path];
  return Object.keys(value)
    .sort()
    .flatMap((key) => {
      const child = value[key];
      const at = `${path}${pointer([key])}`;
      return isPlainObject(child) ? leaves(child, at) : [at];
    });
}
