import { type Field, formOf } from "./fields.ts";
import type { JsonSchema } from "./schema.ts";

/** A field the wizard's form cannot edit, and why. */
export interface UnsupportedField {
  flow: string;
  step: string;
  /** JSON Pointer from the step data; `-` stands for any row of a list (`/items/-/when`). */
  path: string;
  reason: string;
}

/** What {@link unsupportedFields} reads of a flow definition. */
export interface FormDefinition {
  readonly name: string;
  readonly steps: readonly { readonly name: string; readonly jsonSchema: JsonSchema }[];
}

/**
 * The fields of a definition's steps that the wizard cannot edit (its saved value goes
 * back unchanged; a new one cannot be entered), in step and field order. `waymark serve`
 * logs one warning for each when it serves the wizard.
 *
 * @example
 * unsupportedFields(defineFlow({ name: "f", ttl: "1h" }).step({ name: "s",
 *   schema: z.object({ at: z.tuple([z.number(), z.number()]) }) }))
 * // [{ flow: "f", step: "s", path: "/at", reason: "a list whose positions differ (prefixItems)" }]
 */
export function unsupportedFields(definition: FormDefinition): UnsupportedField[] {
  return definition.steps.flatMap((step) =>
    unsupportedIn(formOf(step.jsonSchema)).map(({ path, reason }) => ({
      flow: definition.name,
      step: step.name,
      path,
      reason,
    })),
  );
}

function unsupportedIn(field: Field): { path: string; reason: string }[] {
  if (field.unsupported !== undefined) return [{ path: field.path, reason: field.unsupported }];
  const nested = [
    ...field.children,
    ...(field.item ? [field.item] : []),
    ...field.variants.flatMap((variant) => variant.fields),
  ];
  // A field shared by several variants is reported once.
  const seen = new Set<string>();
  return nested.flatMap(unsupportedIn).filter(({ path }) => !seen.has(path) && seen.add(path));
}
