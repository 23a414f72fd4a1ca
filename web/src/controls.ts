import { type Field, sameValue } from "../../src/form/index.ts";
import { h } from "./dom.ts";
import { formMessages } from "./i18n/form-messages.ts";
import { translator } from "./i18n/locale.ts";

const t = translator(formMessages);

/** One field on the form: its block of label, hint, error line and inputs. */
export interface Control {
  field: Field;
  element: HTMLElement;
  /** The JSON Pointer of its value now: a list's rows move. */
  at(): string;
  /** What gets focus when the person follows the error's link. */
  target: HTMLElement;
  /** The value to send, or `undefined` to leave the field out. */
  read(): unknown;
  /**
   * A problem the server cannot see: a number input the browser could not parse holds
   * no value at all, so it would otherwise go out as an empty field.
   */
  unreadable(): string | undefined;
  setError(message: string | undefined): void;
  /** The controls inside this one: a group's fields, a list's rows, a variant's fields. */
  children(): readonly Control[];
  /**
   * Whether it reads only its default, not an answer: a checkbox neither saved, ticked
   * nor touched. An optional group of such fields is left out.
   */
  untouched?(): boolean;
}

/** What every control has besides its own parts: its field, position, and no children. */
type Base = Pick<Control, "field" | "at" | "children"> & { name: string };

/**
 * Builds the control for a single-value field (not a group, list or variants),
 * prefilled with `value`; `at` says where its value goes in the step data, `name` is the
 * inputs' `name` (unique on the page: radio buttons of one name are one group).
 */
export function buildControl(
  field: Field,
  value: unknown,
  id: string,
  at: () => string,
  name: string = field.name,
): Control {
  const base: Base = { field, at, name, children: () => [] };
  switch (field.control) {
    case "checkbox":
      return checkbox(base, value, id);
    case "radios":
      return radios(base, value, id);
    case "select":
      return select(base, value, id);
    case "unsupported":
      return unsupported(base, value, id);
    default:
      return textual(base, value, id);
  }
}

/** What an empty field sends: nothing, or null when it is required and allows null. */
export function empty(field: Field): null | undefined {
  return field.required && field.nullable ? null : undefined;
}

function checkbox(base: Base, value: unknown, id: string): Control {
  const field = base.field;
  const error = errorLine(id);
  // Required means "must be ticked" only for `const: true`; a required boolean that
  // accepts false is answered either way, so it carries no `required` nor star.
  const mustTick = field.required && field.choices.some((choice) => choice.value === true);
  let touched = false;
  const input = h("input", {
    ...common(base, id),
    required: mustTick,
    type: "checkbox",
    checked: value === true,
    onchange: () => {
      touched = true;
    },
  });
  const shown = mustTick || !field.required ? labelText(field) : labelText(field).slice(0, 1);
  const row = h("div", { class: "check" }, input, h("label", { for: id }, ...shown));
  const untouched = () => !input.checked && !touched && value !== false;
  return {
    field,
    at: base.at,
    children: base.children,
    element: block(field, id, error, row),
    target: input,
    // Unticked and optional: false once saved as false or touched, else "not given".
    read: () => (input.checked ? true : field.required || !untouched() ? false : undefined),
    unreadable: () => undefined,
    setError: (message) => error.set(message, [input]),
    untouched,
  };
}

/** Radio buttons; an optional field gets a "No answer" button, since a choice can't be unticked. */
function radios(base: Base, value: unknown, id: string): Control {
  const field = base.field;
  const error = errorLine(id);
  const choices = field.required
    ? field.choices
    : [...field.choices, { value: undefined, label: t("noAnswer") }];
  const buttons = choices.map((choice, index) =>
    h("input", {
      ...common(base, id),
      id: index === 0 ? id : `${id}--${index}`,
      type: "radio",
      value: String(index),
      checked: choice.value === undefined ? false : sameValue(choice.value, value),
    }),
  );
  const fieldset = h(
    "fieldset",
    { class: "field radios" },
    h("legend", {}, ...labelText(field)),
    hint(field, id),
    error.element,
    choiceList(
      buttons,
      choices.map((choice) => choice.label),
    ),
  );
  return {
    field,
    at: base.at,
    children: base.children,
    element: fieldset,
    target: buttons[0] ?? fieldset,
    read: () => {
      const index = buttons.findIndex((button) => button.checked);
      return index === -1 ? empty(field) : choices[index]?.value;
    },
    unreadable: () => undefined,
    setError: (message) => error.set(message, buttons),
  };
}

function select(base: Base, value: unknown, id: string): Control {
  const field = base.field;
  const error = errorLine(id);
  const list = h(
    "select",
    common(base, id),
    h("option", { value: "" }, field.required ? t("choose") : t("noAnswer")),
    ...field.choices.map((choice, index) =>
      h("option", { value: String(index), selected: sameValue(choice.value, value) }, choice.label),
    ),
  );
  return {
    field,
    at: base.at,
    children: base.children,
    element: block(field, id, error, list, label(field, id)),
    target: list,
    read: () => (list.value === "" ? empty(field) : field.choices[Number(list.value)]?.value),
    unreadable: () => undefined,
    setError: (message) => error.set(message, [list]),
  };
}

/** A field the form cannot edit: its saved value goes back as it came. */
function unsupported(base: Base, value: unknown, id: string): Control {
  const field = base.field;
  const error = errorLine(id);
  const note = h("p", { id, tabindex: -1 }, t("cannotEdit", { label: field.label }));
  return {
    field,
    at: base.at,
    children: base.children,
    element: block(field, id, error, note),
    target: note,
    read: () => value,
    unreadable: () => undefined,
    setError: (message) => error.set(message, []),
  };
}

function textual(base: Base, value: unknown, id: string): Control {
  const field = base.field;
  const error = errorLine(id);
  const text = typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  const input =
    field.control === "textarea"
      ? h("textarea", { ...common(base, id), maxlength: field.maxLength, rows: 5 }, text ?? "")
      : h("input", {
          ...common(base, id),
          type: field.control,
          value: text,
          maxlength: field.maxLength,
          autocomplete: field.autocomplete,
          ...(field.control === "number"
            ? {
                min: field.minimum,
                max: field.maximum,
                step: field.integer ? 1 : "any",
                inputmode: field.integer ? "numeric" : "decimal",
              }
            : {}),
        });
  return {
    field,
    at: base.at,
    children: base.children,
    element: block(field, id, error, input, label(field, id)),
    target: input,
    read: () => {
      if (input.value === "") return empty(field);
      return field.control === "number" ? Number(input.value) : input.value;
    },
    unreadable: () =>
      input instanceof HTMLInputElement && input.validity.badInput ? t("enterNumber") : undefined,
    setError: (message) => error.set(message, [input]),
  };
}

function common(base: Base, id: string) {
  return {
    id,
    name: base.name,
    required: base.field.required,
    "aria-describedby": base.field.hint ? `${id}--hint` : undefined,
  };
}

function block(
  field: Field,
  id: string,
  error: ErrorLine,
  input: HTMLElement,
  ...before: HTMLElement[]
): HTMLElement {
  return h(
    "div",
    { class: `field ${field.control}` },
    ...before,
    hint(field, id),
    error.element,
    input,
  );
}

function label(field: Field, id: string): HTMLElement {
  return h("label", { for: id }, ...labelText(field));
}

/**
 * The label, and a star for a required field (its input carries `required` for assistive
 * tech). A list's row (no name) is numbered instead, in its `.label-text`.
 */
export function labelText(field: Field): (string | HTMLElement)[] {
  const text = h("span", { class: "label-text" }, field.label);
  if (field.name === "") return [text];
  return field.required
    ? [text, h("span", { class: "required", "aria-hidden": "true" }, " *")]
    : [text, h("span", { class: "optional" }, ` ${t("optional")}`)];
}

/** The schema's `description` under the label, referenced by the inputs' aria-describedby. */
export function hint(field: Field, id: string): HTMLElement | false {
  return field.hint !== undefined && h("p", { class: "hint", id: `${id}--hint` }, field.hint);
}

/** A field's error message element and the way to set or clear it. */
export interface ErrorLine {
  element: HTMLElement;
  set(message: string | undefined, inputs: readonly HTMLElement[]): void;
}

/** The message line beside a field, tied to its inputs with aria-describedby and aria-invalid. */
export function errorLine(id: string): ErrorLine {
  const element = h("p", { class: "error", id: `${id}--error`, hidden: true });
  return {
    element,
    set(message, inputs) {
      element.hidden = message === undefined;
      element.replaceChildren(
        ...(message === undefined
          ? []
          : [h("span", { class: "visually-hidden" }, `${t("errorPrefix")} `), message]),
      );
      for (const input of inputs) {
        const described = (input.getAttribute("aria-describedby") ?? "")
          .split(" ")
          .filter((token) => token !== "" && token !== element.id);
        if (message !== undefined) described.push(element.id);
        if (described.length > 0) input.setAttribute("aria-describedby", described.join(" "));
        else input.removeAttribute("aria-describedby");
        if (message === undefined) input.removeAttribute("aria-invalid");
        else input.setAttribute("aria-invalid", "true");
      }
    },
  };
}

/**
 * Radio buttons one per line, each followed by its label.
 *
 * @example choiceList(buttons, ["Card", "Invoice"])
 */
export function choiceList(
  buttons: readonly HTMLInputElement[],
  labels: readonly string[],
): HTMLElement {
  return h(
    "div",
    { class: "choices" },
    ...buttons.map((button, index) =>
      h("div", { class: "check" }, button, h("label", { for: button.id }, labels[index] ?? "")),
    ),
  );
}
