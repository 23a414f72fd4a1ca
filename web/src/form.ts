import type { FieldError } from "./api.ts";
import { buildControl, type Control, errorLine, hint, labelText } from "./controls.ts";
import { h } from "./dom.ts";
import { type Field, isObject } from "./fields.ts";

/** An error to list in the summary above the form, linked to its field when it has one. */
export interface ErrorEntry {
  message: string;
  target: HTMLElement | undefined;
}

/** The rendered fields of one step. */
export interface StepFields {
  element: HTMLElement;
  /** The step data to submit; empty fields are left out, so "required" errors name them. */
  read(): Record<string, unknown>;
  /** Errors found before sending: only what the browser keeps from the server. */
  unreadable(): FieldError[];
  /** Puts each error beside its field; returns them in form order for the summary. */
  showErrors(errors: readonly FieldError[]): ErrorEntry[];
  clearErrors(): void;
}

/**
 * Builds the inputs for `fields`, prefilled from `values` (a step's saved data).
 *
 * @example const form = renderFields(fieldsOf(step.schema), step.data); formElement.append(form.element);
 */
export function renderFields(
  fields: readonly Field[],
  values: Readonly<Record<string, unknown>> | null,
): StepFields {
  const controls = new Map<string, Control>();
  const ids = new Set<string>();
  // Ids never hold "--": the hints, errors and radio buttons derived from them add it.
  const uniqueId = (path: string) => {
    const base = `field${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    return id;
  };

  function build(list: readonly Field[], saved: Readonly<Record<string, unknown>>) {
    const container = h("div", { class: "fields" });
    const members: Control[] = [];
    for (const field of list) {
      const value = saved[field.name];
      const control =
        field.control === "group"
          ? group(field, isObject(value) ? value : {})
          : buildControl(field, value, uniqueId(field.path));
      controls.set(field.path, control);
      members.push(control);
      container.append(control.element);
    }
    const read = () => {
      const data: Record<string, unknown> = {};
      for (const control of members) {
        const value = control.read();
        if (value !== undefined) data[control.field.name] = value;
      }
      return data;
    };
    return { container, read };
  }

  /** A nested object: a fieldset of its own fields, left out when optional and untouched. */
  function group(field: Field, saved: Readonly<Record<string, unknown>>): Control {
    const inner = build(field.children, saved);
    const id = uniqueId(field.path);
    const error = errorLine(id);
    const fieldset = h(
      "fieldset",
      { class: "field group", id, tabindex: -1 },
      h("legend", {}, ...labelText(field)),
      hint(field, id),
      error.element,
      inner.container,
    );
    return {
      field,
      element: fieldset,
      target: fieldset,
      read: () => {
        const data = inner.read();
        return Object.keys(data).length > 0 || field.required ? data : undefined;
      },
      unreadable: () => undefined,
      setError: (message) => error.set(message, [fieldset]),
    };
  }

  const root = build(fields, values ?? {});
  return {
    element: root.container,
    read: root.read,
    unreadable() {
      return [...controls.values()].flatMap((control) => {
        const message = control.unreadable();
        return message === undefined ? [] : [{ path: control.field.path, message }];
      });
    },
    showErrors(errors) {
      const byControl = new Map<Control | undefined, string[]>();
      for (const error of errors) {
        const control = controlAt(controls, error.path);
        byControl.set(control, [...(byControl.get(control) ?? []), error.message]);
      }
      const entries: ErrorEntry[] = [];
      for (const control of controls.values()) {
        const messages = byControl.get(control);
        if (!messages) continue;
        const message = messages.join(". ");
        control.setError(message);
        entries.push({ message, target: control.target });
      }
      for (const message of byControl.get(undefined) ?? []) {
        entries.push({ message, target: undefined });
      }
      return entries;
    },
    clearErrors() {
      for (const control of controls.values()) control.setError(undefined);
    },
  };
}

/** The control for a JSON Pointer, or for its nearest ancestor (`/tags/0` → `/tags`). */
function controlAt(controls: ReadonlyMap<string, Control>, path: string): Control | undefined {
  for (let at = path; at !== ""; at = at.slice(0, at.lastIndexOf("/"))) {
    const control = controls.get(at);
    if (control) return control;
  }
  return undefined;
}
