import { type FieldError, WaymarkError } from "../errors.ts";
import { authoredFieldErrors, schemaFieldErrors, screenedError } from "./field-errors.ts";
import { isJsonEqual, isPlainObject, pointer } from "./json.ts";
import type {
  DefinedStep,
  FlowData,
  FlowDefinition,
  FlowRecord,
  StepState,
  StepStatus,
} from "./types.ts";
import { asBoolean, asFieldErrors, plainJsonObject, runUserCode } from "./user-code.ts";

export { pointer } from "./json.ts";

/** The outcome of {@link submitStep}: the next record, or why nothing changes. */
export type SubmitResult =
  | {
      ok: true;
      record: FlowRecord;
      /** False for a no-op (identical resubmission): same version, nothing to write. */
      changed: boolean;
      /** True when this submission completed the flow. */
      completed: boolean;
    }
  | { ok: false; error: WaymarkError };

/** Keys refused anywhere in step data, whatever the schema says. */
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/**
 * A new record for a flow that starts now.
 *
 * @example createRecord(onboarding, { id: randomUUID(), now: new Date() })
 */
export function createRecord(
  definition: FlowDefinition,
  { id, now }: { id: string; now: Date },
): FlowRecord {
  const at = now.getTime();
  return {
    id,
    flow: definition.name,
    definitionVersion: definition.version,
    version: 1,
    data: {},
    createdAt: at,
    ...lifetime(definition, at),
  };
}

/**
 * The times of a record changed at `at`: it expires `ttl` later, and is kept for
 * recovery `recoverFor` after that.
 *
 * @example lifetime(onboarding, Date.now()).expiresAt - Date.now() // onboarding.ttlMs
 */
export function lifetime(
  definition: FlowDefinition,
  at: number,
): Pick<FlowRecord, "updatedAt" | "expiresAt" | "keepUntil"> {
  const expiresAt = at + definition.ttlMs;
  return { updatedAt: at, expiresAt, keepUntil: expiresAt + definition.recoverForMs };
}

/**
 * Finds a step by its 1-based number (`"2"`) or its name (`"contract-details"`).
 *
 * @example findStep(onboarding, "2")?.name // "contract-details"
 */
export function findStep(definition: FlowDefinition, ref: string): DefinedStep | undefined {
  if (/^[1-9]\d{0,3}$/.test(ref)) return definition.steps[Number(ref) - 1];
  return definition.steps.find((step) => step.name === ref);
}

/**
 * Each step's status for the given data: `skipped` when its `when` is false, `done` when
 * it has data, the first applicable step without data is `current`, the rest `pending`.
 *
 * @example planSteps(onboarding, {}).map((step) => step.status) // ["current", "pending", "skipped", "pending"]
 */
export function planSteps(definition: FlowDefinition, data: FlowData): StepState[] {
  let currentFound = false;
  return definition.steps.map((step) => {
    let status: StepStatus;
    if (!applies(definition, step, data)) status = "skipped";
    else if (Object.hasOwn(data, step.name)) status = "done";
    else if (currentFound) status = "pending";
    else {
      status = "current";
      currentFound = true;
    }
    return { number: step.number, name: step.name, title: step.title, status };
  });
}

/**
 * The step to do next, or undefined once every applicable step is done.
 *
 * @example currentStep(onboarding, record.data)?.name // "personal-info"
 */
export function currentStep(definition: FlowDefinition, data: FlowData): DefinedStep | undefined {
  const state = planSteps(definition, data).find((step) => step.status === "current");
  return state ? definition.steps[state.number - 1] : undefined;
}

/**
 * `completed` once every applicable step is done; a completed flow is read-only.
 *
 * @example flowStatus(onboarding, {}) // "in_progress"
 */
export function flowStatus(
  definition: FlowDefinition,
  data: FlowData,
): "in_progress" | "completed" {
  return currentStep(definition, data) ? "in_progress" : "completed";
}

/**
 * Whether the record's time to live has run out at `now`.
 *
 * @example isExpired(record, new Date(record.expiresAt)) // true
 */
export function isExpired(record: FlowRecord, now: Date): boolean {
  return now.getTime() >= record.expiresAt;
}

/**
 * Applies one step submission to a record. Pure: the same arguments always give the
 * same result, and nothing outside is read or written.
 *
 * Rules: the flow must be live and in progress; the step must apply and every earlier
 * applicable step be done; the data must pass the schema and the step's `check`. Steps
 * that stop applying lose their data; later steps whose `check` now fails are reset.
 * Identical data is a no-op (`changed: false`), even on a completed flow, so a retried
 * final submission gets the same answer; any other write to a completed flow is refused.
 * Field errors are worded in `locale` (a BCP 47 tag, like `now` an input: the engine
 * reads no request), and `check` is given it.
 *
 * @example
 * const result = await submitStep(onboarding, record, findStep(onboarding, "1")!, data, new Date(), "de");
 * if (result.ok && result.changed) await store.save(result.record, record.version);
 */
export async function submitStep(
  definition: FlowDefinition,
  record: FlowRecord,
  step: DefinedStep,
  input: unknown,
  now: Date,
  locale = "en",
): Promise<SubmitResult> {
  if (isExpired(record, now)) return refused(expired());
  const plan = planSteps(definition, record.data);
  const current = plan.find((state) => state.status === "current");
  const status = plan[step.number - 1]?.status;
  if (!current && status !== "done") return refused(completedFlow());
  if (current) {
    const refusal = outOfOrder(step, status, current);
    if (refusal) return refused(refusal);
  }

  const { [step.name]: _, ...others } = record.data;
  const validated = await validateStep(definition, step, input, { now, flow: others, locale });
  if (!validated.ok) return current ? validated : refused(completedFlow());

  const proposed = { ...record.data, [step.name]: validated.value };
  const data = replan(definition, proposed, step, { now, locale });
  if (isJsonEqual(data, record.data)) {
    return { ok: true, record, changed: false, completed: false };
  }
  if (!current) return refused(completedFlow());
  const { returnedSteps: _returned, ...rest } = record;
  const returnedSteps = stillReturned(definition, record.returnedSteps, data);
  return {
    ok: true,
    record: {
      ...rest,
      version: record.version + 1,
      data,
      ...lifetime(definition, now.getTime()),
      ...(returnedSteps ? { returnedSteps } : {}),
    },
    changed: true,
    completed: flowStatus(definition, data) === "completed",
  };
}

/**
 * The steps a migration sent back that still wait for new answers: not done since, and
 * still applying. Undefined when none is left.
 */
function stillReturned(
  definition: FlowDefinition,
  returned: FlowRecord["returnedSteps"],
  data: FlowData,
): FlowRecord["returnedSteps"] {
  if (!returned) return undefined;
  const plan = planSteps(definition, data);
  const left = Object.entries(returned).filter(([name]) =>
    plan.some((step) => step.name === name && step.status !== "done" && step.status !== "skipped"),
  );
  return left.length > 0 ? Object.fromEntries(left) : undefined;
}

/**
 * The refusal for a write to a flow whose time to live has run out.
 *
 * @example if (isExpired(record, now)) throw expired();
 */
export function expired(): WaymarkError {
  return new WaymarkError("flow-expired", "This flow has expired; start a new one");
}

function completedFlow(): WaymarkError {
  return new WaymarkError("flow-completed", "This flow is completed and read-only");
}

function refused(error: WaymarkError): SubmitResult {
  return { ok: false, error };
}

function outOfOrder(
  step: DefinedStep,
  status: StepStatus | undefined,
  current: StepState,
): WaymarkError | undefined {
  const next = { step: current.number, stepName: current.name };
  if (status === "skipped") {
    return new WaymarkError(
      "step-not-applicable",
      `Step "${step.name}" does not apply to this flow; the current step is "${current.name}"`,
      { extensions: next },
    );
  }
  // A step after the current one waits for it, even if it was done before an edit reset
  // the current step.
  if (status === "pending" || step.number > current.number) {
    return new WaymarkError(
      "step-out-of-order",
      `Step "${step.name}" cannot be submitted yet; do step ${current.number} "${current.name}" first`,
      { extensions: next },
    );
  }
  return undefined;
}

/** What {@link validateStep} found: the step's output, or why it was refused. */
export type Validated =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: WaymarkError };

/**
 * Checks one step's data as a submission would: screening, the schema, then `check`
 * with the other steps' data. Resolves the schema's output, or `invalid-step-data`
 * with every field error, each with a `code`, `params` and a message in
 * `context.locale` ("en" when not given; see {@link schemaFieldErrors}).
 *
 * @throws WaymarkError `definition-error` when the schema or `check` throws.
 */
export async function validateStep(
  definition: FlowDefinition,
  step: DefinedStep,
  input: unknown,
  context: { now: Date; flow: FlowData; locale?: string | undefined },
): Promise<Validated> {
  const locale = context.locale ?? "en";
  const invalid = (errors: readonly FieldError[]): Validated => ({
    ok: false,
    error: new WaymarkError("invalid-step-data", `The data for step "${step.name}" is invalid`, {
      errors,
    }),
  });
  if (!isPlainObject(input)) {
    return invalid([screenedError("", "invalid_type", { expected: "object" }, locale)]);
  }
  const refused = screen(step, input, locale);
  if (refused.length > 0) return invalid(refused);
  const site = { flow: definition.name, step: step.name, hook: "schema" } as const;
  const validate = async (data: unknown) => (await step.schema["~standard"].validate(data)).issues;
  const result = await runUserCode(site, () => step.schema["~standard"].validate(input));
  if (result.issues) {
    const { jsonSchema } = step;
    return invalid(
      await schemaFieldErrors(result.issues, { definition, jsonSchema, input, locale, validate }),
    );
  }
  const output = result.value;
  const value = runUserCode(site, () => plainJsonObject(output));
  const problems = runUserCode({ ...site, hook: "check" }, () =>
    asFieldErrors(step.check?.(value, { now: context.now, flow: context.flow, locale })),
  );
  if (problems.length > 0) return invalid(authoredFieldErrors(problems, definition, locale));
  return { ok: true, value };
}

/**
 * Drops the data of steps that no longer apply, and of steps after `changed` whose
 * `check` fails against the new data, in step order.
 */
function replan(
  definition: FlowDefinition,
  proposed: FlowData,
  changed: DefinedStep,
  context: { now: Date; locale: string },
): FlowData {
  const data: Record<string, FlowData[string]> = { ...proposed };
  for (const step of definition.steps) {
    const saved = data[step.name];
    if (saved === undefined) continue;
    if (!applies(definition, step, data)) delete data[step.name];
    else if (step.number > changed.number && step.check) {
      const { [step.name]: _, ...others } = data;
      const site = { flow: definition.name, step: step.name, hook: "check" } as const;
      const problems = runUserCode(site, () =>
        asFieldErrors(step.check?.(saved, { ...context, flow: others })),
      );
      if (problems.length > 0) delete data[step.name];
    }
  }
  return data;
}

/**
 * What the step never accepts, whatever its schema says: prototype-polluting keys and
 * text with U+0000 or unpaired surrogates (not every store keeps them; PostgreSQL's jsonb
 * refuses both) at any depth, and top-level keys outside `properties` when the JSON Schema closes the object.
 * Screening here names each place, whatever the schema library does with extras.
 */
function screen(step: DefinedStep, input: Record<string, unknown>, locale: string): FieldError[] {
  const { properties, additionalProperties } = step.jsonSchema;
  const known =
    additionalProperties === false && isPlainObject(properties) ? properties : undefined;
  const found: FieldError[] = Object.keys(input)
    .filter((key) => known !== undefined && !forbiddenKeys.has(key) && !Object.hasOwn(known, key))
    .map((key) => screenedError(pointer([key]), "unknown_key", {}, locale));
  // Each value with the keys leading to it, as a chain spelled out only for an error.
  type Place = { parent: Place; key: string } | undefined;
  const keysOf = (place: Place): string[] => (place ? [...keysOf(place.parent), place.key] : []);
  const stack: Array<[unknown, Place]> = [[input, undefined]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, place] = item;
    if (typeof node === "string" && !storable(node)) {
      found.push(screenedError(pointer(keysOf(place)), "invalid_text", {}, locale));
    }
    if (typeof node !== "object" || node === null) continue;
    for (const [key, child] of Object.entries(node)) {
      if (forbiddenKeys.has(key) || !storable(key)) {
        found.push(screenedError(pointer([...keysOf(place), key]), "unknown_key", {}, locale));
      } else stack.push([child, { parent: place, key }]);
    }
  }
  return found;
}

/** Text every store keeps as it is: well-formed UTF-16 without U+0000. */
function storable(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

/**
 * Whether a step applies to the data: its `when`, or true without one.
 *
 * @throws WaymarkError `definition-error` when `when` throws or answers a non-boolean.
 */
export function applies(definition: FlowDefinition, step: DefinedStep, data: FlowData): boolean {
  if (!step.when) return true;
  const site = { flow: definition.name, step: step.name, hook: "when" } as const;
  return runUserCode(site, () => asBoolean(step.when?.(data)));
}
