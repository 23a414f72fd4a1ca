import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import type {
  DefinedStep,
  FlowDefinition,
  FlowDefinitionInput,
  JsonSchema,
  StepDefinition,
} from "./types.ts";

const namePattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const durationPattern = /^(\d+)\s*(ms|s|m|h|d)$/;
const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Ten years: far past any flow's life, and far inside what a Date can hold. */
const maxTtlMs = 10 * 366 * 86_400_000;

/**
 * Types one step: `check` receives the schema's output type. Returns the step unchanged.
 *
 * @example
 * defineStep({
 *   name: "review",
 *   schema: z.strictObject({ acceptTerms: z.literal(true) }),
 * })
 */
export function defineStep<Schema extends StandardSchemaV1>(
  step: StepDefinition<Schema>,
): StepDefinition {
  return step as StepDefinition;
}

/**
 * Validates and freezes a flow definition. A broken definition (bad or duplicate step
 * names, a step without a schema or JSON Schema, a bad ttl) throws naming the step.
 *
 * @example
 * export const signup = defineFlow({
 *   name: "signup",
 *   ttl: "7d",
 *   steps: [defineStep({ name: "email", schema: z.strictObject({ email: z.email() }) })],
 * });
 */
export function defineFlow(input: FlowDefinitionInput): FlowDefinition {
  const where = `flow "${String(input.name)}"`;
  if (typeof input.name !== "string" || !namePattern.test(input.name)) {
    throw new Error(`${where}: the name must be kebab-case (letters, digits, dashes)`);
  }
  const version = input.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(`${where}: version must be a positive integer`);
  }
  if (!Array.isArray(input.steps) || input.steps.length === 0) {
    throw new Error(`${where}: a flow needs at least one step`);
  }
  const seen = new Set<string>();
  const steps = input.steps.map((step, index) => {
    const defined = defineStepAt(step, index + 1, where);
    if (seen.has(defined.name)) {
      throw new Error(`${where}: step ${index + 1} repeats the name "${defined.name}"`);
    }
    seen.add(defined.name);
    return defined;
  });
  return Object.freeze({
    name: input.name,
    title: input.title ?? readableName(input.name),
    version,
    steps: Object.freeze(steps),
    ttlMs: parseDuration(input.ttl, where),
    ...(input.onComplete ? { onComplete: input.onComplete } : {}),
  });
}

function defineStepAt(step: StepDefinition, number: number, where: string): DefinedStep {
  const label = `${where}, step ${number}${typeof step?.name === "string" ? ` "${step.name}"` : ""}`;
  if (typeof step?.name !== "string" || !namePattern.test(step.name)) {
    throw new Error(`${label}: the name must be kebab-case (letters, digits, dashes)`);
  }
  if (typeof step.schema?.["~standard"]?.validate !== "function") {
    throw new Error(`${label}: the step needs a schema implementing Standard Schema`);
  }
  const jsonSchema = step.jsonSchema ?? standardJsonSchema(step.schema);
  if (!jsonSchema) {
    throw new Error(
      `${label}: the schema does not implement Standard JSON Schema; pass jsonSchema`,
    );
  }
  return Object.freeze({
    ...step,
    number,
    title: step.title ?? readableName(step.name),
    jsonSchema: Object.freeze(jsonSchema),
  });
}

function standardJsonSchema(schema: StandardSchemaV1): JsonSchema | undefined {
  const props: Partial<StandardJSONSchemaV1.Props> = schema["~standard"];
  return props.jsonSchema?.input({ target: "draft-2020-12" });
}

/**
 * Milliseconds in a duration: a positive number of milliseconds, or a string such as
 * `"90s"`, `"30m"`, `"12h"`, `"7d"`.
 *
 * @example parseDuration("30m") // 1800000
 */
export function parseDuration(value: number | string, where = "duration"): number {
  const match = typeof value === "string" ? durationPattern.exec(value.trim()) : null;
  const ms =
    typeof value === "number"
      ? value
      : match?.[1] && match[2]
        ? Number(match[1]) * unitMs[match[2] as keyof typeof unitMs]
        : Number.NaN;
  if (Number.isSafeInteger(ms) && ms > 0 && ms <= maxTtlMs) return ms;
  throw new Error(
    `${where}: ttl must be positive milliseconds or a duration like "30m" or "7d", at most 10 years`,
  );
}

/** "personal-info" → "Personal info". */
function readableName(name: string): string {
  const words = name.replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
