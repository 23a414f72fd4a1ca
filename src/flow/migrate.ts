import type { FieldError } from "../errors.ts";
import { applies, validateStep } from "./engine.ts";
import { isPlainObject } from "./json.ts";
import type { FlowData, FlowDefinition, FlowRecord, ReturnedStep } from "./types.ts";
import { plainJsonObject, runUserCode } from "./user-code.ts";

/**
 * A record moved to a newer definition version, and what the move did to its steps.
 *
 * @example
 * const { record, returned } = await migrateRecord(registry.migrationsFrom("onboarding", 1), old, now);
 * returned // [{ step: "personal-info", errors: [{ path: "/email", code: "invalid_format", params: { format: "email" }, message: "Enter an email address like name@example.com" }] }]
 */
export interface Migrated {
  record: FlowRecord;
  /** The steps sent back to the user, in step order, with the field errors found. */
  returned: Array<{ step: string; errors: readonly FieldError[] }>;
  /** Data of steps that no longer apply, dropped by re-planning, by step name. */
  dropped: string[];
}

/**
 * Moves a record through `chain` (the definitions after its own version, oldest first,
 * as `FlowRegistry.migrationsFrom` gives them), calling each one's `migrate`, then
 * re-plans the data against the last: steps that no longer apply lose their data, and
 * a step whose data fails the new schema or `check` is sent back (its data leaves
 * `data`, and `returnedSteps` keeps it with the field errors, for the form). Steps sent
 * back by an earlier migration go through the migrations again with the rest. Pure:
 * the clock is `now`, and nothing is read or written. The version grows by one;
 * `updatedAt` and the expiry do not move, since the user did nothing.
 *
 * @throws WaymarkError `definition-error` (naming the flow and both versions) when a
 * `migrate` throws or returns anything but an object of step data objects, and when a
 * schema, `check` or `when` of the new version throws.
 * @example const { record } = await migrateRecord([onboardingV2], v1Record, new Date());
 */
export async function migrateRecord(
  chain: readonly FlowDefinition[],
  record: FlowRecord,
  now: Date,
): Promise<Migrated> {
  const target = chain.at(-1);
  if (!target) throw new Error("migrateRecord needs at least one definition to move to");
  let data: FlowData = { ...record.data, ...drafts(record.returnedSteps) };
  let from = record.definitionVersion;
  for (const definition of chain) {
    const { migration } = definition;
    if (!migration) throw new Error(`version ${definition.version} declares no migration`);
    const site = {
      flow: definition.name,
      hook: "migrate",
      fromVersion: from,
      toVersion: definition.version,
    } as const;
    const input = data;
    data = runUserCode(site, () => asFlowData(migration.migrate(input)));
    from = definition.version;
  }
  const { returnedSteps: _, migratedFrom, ...rest } = record;
  const settled = await replanAll(target, data, now);
  return {
    record: {
      ...rest,
      definitionVersion: target.version,
      version: record.version + 1,
      data: settled.data,
      // The version the flow started on, across several migrations.
      migratedFrom: {
        version: migratedFrom?.version ?? record.definitionVersion,
        at: now.getTime(),
      },
      ...(settled.returned.length > 0
        ? {
            returnedSteps: Object.fromEntries(
              settled.returned.map(({ step, ...kept }) => [step, kept]),
            ),
          }
        : {}),
    },
    returned: settled.returned.map(({ step, errors }) => ({ step, errors })),
    dropped: settled.dropped,
  };
}

/**
 * Starts a record again on `definition` (the `restart` policy): same id, no data, the
 * version grown by one, `migratedFrom` saying where it came from. Pure.
 *
 * @example restartRecord(onboardingV3, v1Record, new Date()).data // {}
 */
export function restartRecord(
  definition: FlowDefinition,
  record: FlowRecord,
  now: Date,
): FlowRecord {
  const { returnedSteps: _, migratedFrom, ...rest } = record;
  return {
    ...rest,
    definitionVersion: definition.version,
    version: record.version + 1,
    data: {},
    migratedFrom: { version: migratedFrom?.version ?? record.definitionVersion, at: now.getTime() },
  };
}

/** The data of the steps a migration sent back, to migrate again with the rest. */
function drafts(returned: FlowRecord["returnedSteps"]): FlowData {
  return Object.fromEntries(Object.entries(returned ?? {}).map(([step, { data }]) => [step, data]));
}

/** What a `migrate` must return: plain JSON, an object of step data objects. */
function asFlowData(value: unknown): FlowData {
  const data = plainJsonObject(value);
  for (const [step, stepData] of Object.entries(data)) {
    if (!isPlainObject(stepData)) {
      throw new TypeError(`migrate must return step data objects; "${step}" is not an object`);
    }
  }
  return data as FlowData;
}

/** Validates every step's data against `definition`, in step order. */
async function replanAll(
  definition: FlowDefinition,
  proposed: FlowData,
  now: Date,
): Promise<{
  data: FlowData;
  returned: Array<{ step: string } & ReturnedStep>;
  dropped: string[];
}> {
  const known = new Set(definition.steps.map((step) => step.name));
  const data: Record<string, FlowData[string]> = Object.fromEntries(
    Object.entries(proposed).filter(([name]) => known.has(name)),
  );
  const dropped = Object.keys(proposed).filter((name) => !known.has(name));
  const returned: Array<{ step: string } & ReturnedStep> = [];
  for (const step of definition.steps) {
    const saved = data[step.name];
    if (saved === undefined) continue;
    if (!applies(definition, step, data)) {
      delete data[step.name];
      dropped.push(step.name);
      continue;
    }
    const { [step.name]: _, ...others } = data;
    const checked = await validateStep(definition, step, saved, { now, flow: others });
    if (checked.ok) data[step.name] = checked.value;
    else {
      delete data[step.name];
      returned.push({ step: step.name, data: saved, errors: checked.error.errors });
    }
  }
  return { data, returned, dropped };
}
