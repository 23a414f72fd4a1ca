import {
  type Field,
  formOf,
  isObject,
  type JsonSchema,
  readable,
  sameValue,
  variantOf,
} from "../../src/form/index.ts";
import { h } from "./dom.ts";
import { formMessages } from "./i18n/form-messages.ts";
import { translator } from "./i18n/locale.ts";

const t = translator(formMessages);

/**
 * One line of a summary: a field's label and its value as a person reads it; an object's
 * fields and a chosen variant's fields as `fields`, a list's rows as `rows` ("Item 1", …).
 */
export interface SummaryEntry {
  label: string;
  /** A single value as text, or the variant chosen. */
  value?: string;
  fields?: SummaryEntry[];
  rows?: SummaryEntry[];
}

/**
 * What was submitted for a step, one entry per field given, in form order: values as
 * people read them (Yes/No, a choice's label, a long date), objects and lists nested.
 *
 * @example summaryEntries(formOf(schema), { acceptTerms: true }, "en")
 * // [{ label: "I accept the terms", value: "Yes" }]
 */
export function summaryEntries(form: Field, data: unknown, locale: string): SummaryEntry[] {
  if (form.control === "group") return fieldEntries(form.children, data, locale);
  const entry = entryOf(form, data, locale);
  if (!entry) return [];
  // A step that is a choice of variants: the choice, then its fields.
  return [
    { label: entry.label, ...(entry.value ? { value: entry.value } : {}) },
    ...(entry.fields ?? []),
  ];
}

/**
 * A step's submitted data as a description list, nested for objects and lists: what the
 * completion summary shows for each step, and what a review screen can show.
 *
 * @example container.append(stepSummary(step.schema, step.data, "en-GB"));
 */
export function stepSummary(schema: JsonSchema, data: unknown, locale: string): HTMLElement {
  return summaryList(summaryEntries(formOf(schema), data, locale), locale);
}

/** Renders entries as a `<dl>` of `.row`s; a list's rows are an `<ol>` inside the value. */
export function summaryList(entries: readonly SummaryEntry[], locale: string): HTMLElement {
  return h(
    "dl",
    { lang: locale },
    ...entries.map((entry) =>
      h(
        "div",
        { class: "row" },
        h("dt", {}, entry.label),
        h(
          "dd",
          {},
          entry.value,
          entry.fields && entry.fields.length > 0 && summaryList(entry.fields, locale),
          entry.rows && rowList(entry.rows, locale),
        ),
      ),
    ),
  );
}

/** A list's rows as an `<ol>`; a row that is itself a list nests its own. */
function rowList(rows: readonly SummaryEntry[], locale: string): HTMLElement {
  return h(
    "ol",
    { class: "summary-rows" },
    ...rows.map((row) =>
      h(
        "li",
        {},
        h("span", { class: "row-label" }, row.label),
        row.value !== undefined && h("span", { class: "row-value" }, row.value),
        row.fields && summaryList(row.fields, locale),
        row.rows && rowList(row.rows, locale),
      ),
    ),
  );
}

function fieldEntries(fields: readonly Field[], data: unknown, locale: string): SummaryEntry[] {
  const values = isObject(data) ? data : {};
  return fields.flatMap((field) => entryOf(field, values[field.name], locale) ?? []);
}

function entryOf(field: Field, value: unknown, locale: string): SummaryEntry | undefined {
  if (value === undefined) return undefined;
  const label = field.label;
  switch (field.control) {
    case "group":
      return isObject(value)
        ? { label, fields: fieldEntries(field.children, value, locale) }
        : plain(label, value, locale);
    case "list": {
      const item = field.item;
      if (!item || !Array.isArray(value)) return plain(label, value, locale);
      const name = item.label === "" ? t("item") : item.label;
      const rows = value.map((row, index) => {
        const rowLabel = t("row", { item: name, number: index + 1 });
        return entryOf({ ...item, label: rowLabel }, row, locale) ?? { label: rowLabel };
      });
      return { label, rows };
    }
    case "variants": {
      const index = variantOf(field, value);
      const variant = index === undefined ? undefined : field.variants[index];
      if (index === undefined || !variant) return plain(label, value, locale);
      return {
        label: label === "" ? t("chooseOne") : label,
        value: variant.label ?? t("option", { number: index + 1 }),
        fields: fieldEntries(variant.fields, value, locale),
      };
    }
    case "unsupported":
      return plain(label, value, locale);
    default:
      return { label, value: formatValue(field, value, locale) };
  }
}

/** A value without a schema to read it by: objects and lists nested, names made readable. */
function plain(label: string, value: unknown, locale: string): SummaryEntry {
  if (Array.isArray(value)) {
    return {
      label,
      rows: value.map((row, index) =>
        plain(t("row", { item: t("item"), number: index + 1 }), row, locale),
      ),
    };
  }
  if (isObject(value)) {
    return {
      label,
      fields: Object.entries(value).map(([key, entry]) => plain(readable(key), entry, locale)),
    };
  }
  return { label, value: scalar(value, locale) };
}

/** Yes/No, a number in `locale`'s digits and separators, "No answer" for null, else text. */
function scalar(value: unknown, locale: string): string {
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (typeof value === "number") return new Intl.NumberFormat(locale).format(value);
  return value === null ? t("noAnswer") : String(value);
}

function formatValue(field: Field, value: unknown, locale: string): string {
  const choice =
    field.control === "checkbox"
      ? undefined
      : field.choices.find((candidate) => sameValue(candidate.value, value));
  if (choice) {
    // A number's label is the number itself: written in the page's digits.
    const numeric = typeof choice.value === "number" && choice.label === String(choice.value);
    return numeric ? scalar(choice.value, locale) : choice.label;
  }
  if (field.control === "date" && typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(date.getTime())) {
      return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(date);
    }
  }
  return scalar(value, locale);
}
