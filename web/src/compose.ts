import { type Field, isObject } from "../../src/form/index.ts";
import { listControl } from "./array-control.ts";
import { buildControl, type Control, empty, errorLine, hint, labelText } from "./controls.ts";
import { h } from "./dom.ts";
import { variantsControl } from "./union-control.ts";

/** What building a form needs besides the fields: unique ids and the page's live region. */
export interface Context {
  /** An id unique on the page, derived from `seed` (a path, or a row's own key). */
  id(seed: string): string;
  /** An input name unique on the page: `base`, else `base-2`, `base-3`… */
  name(base: string): string;
  /** Says something through the page's polite live region. */
  announce(message: string): void;
}

/** A list of fields rendered together: a group's, a variant's, or a step's. */
export interface FieldBlock {
  container: HTMLElement;
  controls: readonly Control[];
  /** The object of their values; fields that read as nothing are left out. */
  read(): Record<string, unknown>;
}

/**
 * The control for any field, prefilled with `value`: a single input, a group of fields,
 * a list of rows or a choice of variants. `at` is its JSON Pointer now; `seed` names it
 * for ids, and stays when rows move.
 */
export function buildField(
  field: Field,
  value: unknown,
  at: () => string,
  seed: string,
  context: Context,
): Control {
  switch (field.control) {
    case "group":
      return groupControl(field, value, at, seed, context);
    case "list":
      return listControl(field, value, at, seed, context);
    case "variants":
      return variantsControl(field, value, at, seed, context);
    default:
      return buildControl(field, value, context.id(seed), at, context.name(field.name || "item"));
  }
}

/** Builds `fields` under the object at `at`, prefilled from `saved`. */
export function fieldBlock(
  fields: readonly Field[],
  saved: unknown,
  at: () => string,
  seed: string,
  context: Context,
): FieldBlock {
  const values = isObject(saved) ? saved : {};
  const controls = fields.map((field) => {
    const token = field.path.slice(field.path.lastIndexOf("/"));
    return buildField(
      field,
      values[field.name],
      () => `${at()}${token}`,
      `${seed}${token}`,
      context,
    );
  });
  const container = h("div", { class: "fields" }, ...controls.map((control) => control.element));
  const read = () => {
    const data: Record<string, unknown> = {};
    for (const control of controls) {
      const value = control.read();
      if (value !== undefined) data[control.field.name] = value;
    }
    return data;
  };
  return { container, controls, read };
}

/** A nested object: a fieldset of its own fields, left out when optional and untouched. */
function groupControl(
  field: Field,
  value: unknown,
  at: () => string,
  seed: string,
  context: Context,
): Control {
  const inner = fieldBlock(field.children, value, at, seed, context);
  const id = context.id(seed);
  const error = errorLine(id);
  const fieldset = h(
    "fieldset",
    { class: "field group", id, tabindex: -1 },
    h("legend", {}, ...labelText(field)),
    hint(field, id),
    error.element,
    inner.container,
  );
  // Untouched when no field holds an answer: a required checkbox's default false is none.
  const untouched = () =>
    inner.controls.every((control) => control.read() === undefined || control.untouched?.());
  return {
    field,
    at,
    element: fieldset,
    target: fieldset,
    read: () => {
      const data = inner.read();
      if (!untouched()) return data;
      return field.required && !field.nullable ? data : empty(field);
    },
    untouched,
    unreadable: () => undefined,
    setError: (message) => error.set(message, [fieldset]),
    children: () => inner.controls,
  };
}

/** The first thing to type in or choose inside `element`. */
export function firstInput(element: HTMLElement): HTMLElement | null {
  return element.querySelector<HTMLElement>("input, select, textarea");
}
