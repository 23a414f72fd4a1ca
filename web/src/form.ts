import { type Field, isObject } from "../../src/form/index.ts";
import type { FieldError } from "./api.ts";
import { buildField, type Context, fieldBlock } from "./compose.ts";
import type { Control } from "./controls.ts";

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
  /** The errors shown now (the last `showErrors` since `clearErrors`), to show again on a redraw. */
  shownErrors(): readonly FieldError[];
  clearErrors(): void;
}

/**
 * Builds the inputs for a step's form (see `formOf`), prefilled from `values` (the
 * step's saved data); `announce` speaks through the page's live region (rows added,
 * moved, removed).
 *
 * @example const form = renderFields(formOf(step.schema), step.data, announce); formElement.append(form.element);
 */
export function renderFields(
  form: Field,
  values: Readonly<Record<string, unknown>> | null,
  announce: (message: string) => void,
): StepFields {
  const ids = new Set<string>();
  const names = new Set<string>();
  const context: Context = {
    // Ids never hold "--": the hints, errors and radio buttons derived from them add it.
    id(seed) {
      const base = `field${seed.replace(/[^A-Za-z0-9]+/g, "-")}`;
      let id = base;
      for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
      ids.add(id);
      return id;
    },
    name(base) {
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
      names.add(name);
      return name;
    },
    announce,
  };
  const root = () => "";
  // Nothing saved is `undefined`, not `{}`: an empty object would choose a variant.
  const saved = values ?? undefined;
  const top: { element: HTMLElement; read(): unknown; controls(): readonly Control[] } =
    form.control === "group"
      ? (() => {
          const block = fieldBlock(form.children, saved, root, "", context);
          return { element: block.container, read: block.read, controls: () => block.controls };
        })()
      : (() => {
          const control = buildField(form, saved, root, "", context);
          return { element: control.element, read: control.read, controls: () => [control] };
        })();
  const all = () => top.controls().flatMap(descendants);
  let shown: readonly FieldError[] = [];
  /**
   * Each control by the path its value was sent at, recorded by `read()`: rows may move
   * or go while the request is out, and its errors name the paths as sent.
   */
  let sentAt: ReadonlyMap<string, Control> | undefined;

  return {
    element: top.element,
    read: () => {
      const data = top.read();
      sentAt = new Map(all().map((control) => [control.at(), control]));
      return isObject(data) ? data : {};
    },
    unreadable() {
      return all().flatMap((control) => {
        const message = control.unreadable();
        return message === undefined ? [] : [{ path: control.at(), message }];
      });
    },
    showErrors(errors) {
      shown = errors;
      const now = all();
      const byPath = sentAt ?? new Map(now.map((control) => [control.at(), control]));
      // Form order; a control gone since it was sent comes last, its target off the page.
      const controls = [
        ...now,
        ...[...byPath.values()].filter((control) => !now.includes(control)),
      ];
      const byControl = new Map<Control | undefined, string[]>();
      for (const error of errors) {
        const control = controlAt(byPath, error.path);
        byControl.set(control, [...(byControl.get(control) ?? []), error.message]);
      }
      const entries: ErrorEntry[] = [];
      for (const control of controls) {
        const messages = byControl.get(control);
        if (!messages) continue;
        const message = messages.join(". ");
        if (now.includes(control)) control.setError(message);
        entries.push({ message, target: control.target });
      }
      for (const message of byControl.get(undefined) ?? []) {
        entries.push({ message, target: undefined });
      }
      return entries;
    },
    shownErrors: () => shown,
    clearErrors() {
      shown = [];
      sentAt = undefined;
      for (const control of all()) control.setError(undefined);
    },
  };
}

/** Whether the form has a field to mark as required. */
export function hasRequired(form: Field): boolean {
  if (form.control !== "group") return form.required;
  return form.children.some((field) => field.required);
}

/** The control and every control inside it, in form order. */
function descendants(control: Control): Control[] {
  return [control, ...control.children().flatMap(descendants)];
}

/** The control for a JSON Pointer, or for its nearest ancestor (`/tags/0` → `/tags`). */
function controlAt(controls: ReadonlyMap<string, Control>, path: string): Control | undefined {
  for (let at = path; ; at = at.slice(0, at.lastIndexOf("/"))) {
    const control = controls.get(at);
    if (control || at === "") return control;
  }
}
