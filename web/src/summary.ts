import { type Field, isObject, sameValue } from "./fields.ts";

/** A summary line: the field's label and its value as a person reads it. */
export interface SummaryRow {
  label: string;
  value: string;
}

/**
 * What was submitted for a step, one row per field, nested objects flattened with their
 * group's label in front ("Address › City").
 *
 * @example summaryRows(fields, { acceptTerms: true }, "en") // [{ label: "I accept the terms", value: "Yes" }]
 */
export function summaryRows(
  fields: readonly Field[],
  data: Readonly<Record<string, unknown>>,
  locale: string,
  prefix = "",
): SummaryRow[] {
  return fields.flatMap((field) => {
    const value = data[field.name];
    const label = `${prefix}${field.label}`;
    if (field.control === "group" && isObject(value)) {
      return summaryRows(field.children, value, locale, `${label} › `);
    }
    return value === undefined ? [] : [{ label, value: formatValue(field, value, locale) }];
  });
}

function formatValue(field: Field, value: unknown, locale: string): string {
  if (typeof value === "boolean") return value ? "Yes" : "No";
  const choice = field.choices.find((candidate) => sameValue(candidate.value, value));
  if (choice) return choice.label;
  if (field.control === "date" && typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(date.getTime())) {
      return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(date);
    }
  }
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}
