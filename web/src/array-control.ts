import type { Field } from "../../src/form/index.ts";
import { buildField, type Context, firstInput } from "./compose.ts";
import { type Control, errorLine, hint, labelText } from "./controls.ts";
import { h } from "./dom.ts";
import { formMessages } from "./i18n/form-messages.ts";
import { translator } from "./i18n/locale.ts";

const t = translator(formMessages);

/** One row on screen: its control and the buttons that act on it. */
interface Row {
  control: Control;
  element: HTMLElement;
  up: HTMLButtonElement;
  down: HTMLButtonElement;
  remove: HTMLButtonElement;
}

/**
 * A list (`type: "array"`): a fieldset of numbered rows, each with Move up, Move down and
 * Remove, and an Add button below. It opens with the saved rows, else `minItems` empty
 * rows (one for a required list without a minimum). Remove is offered only above
 * `minItems`, Add only below `maxItems`. A row that reads as nothing (an empty line of
 * text) is left out; the paths of the others follow, so that the server's errors land
 * on the row they name.
 */
export function listControl(
  field: Field,
  value: unknown,
  at: () => string,
  seed: string,
  context: Context,
): Control {
  const given = field.item;
  // The model gives every list its row; a field without one is not a list.
  if (!given) throw new TypeError(`${field.path} is a list without a row schema`);
  const item: Field = given;
  const id = context.id(seed);
  const error = errorLine(id);
  const itemName = item.label === "" ? t("item") : item.label;
  const rowName = (index: number) => t("row", { item: itemName, number: index + 1 });
  const rows: Row[] = [];
  const list = h("ol", { class: "rows" });
  const nothing = h("p", { class: "hint no-rows" }, t("noRows"));
  const add = h(
    "button",
    { type: "button", class: "secondary add", onclick: () => addRow() },
    t("add", { item: itemName }),
  );
  const bounds = t("rowLimits", { min: field.minItems, max: field.maxItems ?? 0 }).trim();
  const described = [field.hint !== undefined && `${id}--hint`, bounds !== "" && `${id}--limits`];
  const fieldset = h(
    "fieldset",
    {
      class: "field list",
      id,
      tabindex: -1,
      "aria-describedby": described.filter(Boolean).join(" ") || undefined,
    },
    h("legend", {}, ...labelText(field)),
    hint(field, id),
    bounds !== "" && h("p", { class: "hint", id: `${id}--limits` }, bounds),
    error.element,
    nothing,
    list,
    add,
  );
  let made = 0;

  /** The row's index in the data sent: rows that read as nothing are left out. */
  const sentIndex = (row: Row) => {
    const sent = rows.filter((candidate) => candidate.control.read() !== undefined);
    const index = sent.indexOf(row);
    return index === -1 ? "-" : String(index);
  };

  function makeRow(saved: unknown): Row {
    const key = `${seed}/r${++made}`;
    const row = {} as Row;
    const rowField = { ...item, label: rowName(rows.length) };
    row.control = buildField(rowField, saved, () => `${at()}/${sentIndex(row)}`, key, context);
    row.up = h("button", {
      type: "button",
      class: "secondary small",
      onclick: () => move(row, -1),
    });
    row.down = h("button", {
      type: "button",
      class: "secondary small",
      onclick: () => move(row, 1),
    });
    row.remove = h("button", {
      type: "button",
      class: "secondary small",
      onclick: () => remove(row),
    });
    row.element = h(
      "li",
      { class: "row" },
      row.control.element,
      h("div", { class: "row-actions" }, row.up, row.down, row.remove),
    );
    return row;
  }

  /** Numbers the rows again and offers only the buttons that apply. */
  function refresh(): void {
    rows.forEach((row, index) => {
      const name = rowName(index);
      const text = row.control.element.querySelector(".label-text");
      if (text) text.textContent = name;
      row.up.textContent = t("moveUp", { row: name });
      row.down.textContent = t("moveDown", { row: name });
      row.remove.textContent = t("remove", { row: name });
      row.up.hidden = index === 0;
      row.down.hidden = index === rows.length - 1;
      row.remove.hidden = rows.length <= field.minItems;
    });
    list.replaceChildren(...rows.map((row) => row.element));
    list.hidden = rows.length === 0;
    nothing.hidden = rows.length > 0;
    add.hidden = field.maxItems !== undefined && rows.length >= field.maxItems;
  }

  function addRow(): void {
    const row = makeRow(undefined);
    rows.push(row);
    refresh();
    (firstInput(row.element) ?? row.control.target).focus();
    context.announce(`${t("added", { row: rowName(rows.length - 1) })} ${count()}`);
  }

  function remove(row: Row): void {
    const index = rows.indexOf(row);
    const name = rowName(index);
    rows.splice(index, 1);
    refresh();
    // The row that took its place, else the one before, else Add.
    const next = rows[index] ?? rows[index - 1];
    const focus = next ? firstInput(next.element) : null;
    (focus ?? (add.hidden ? fieldset : add)).focus();
    context.announce(`${t("removed", { row: name })} ${count()}`);
  }

  function move(row: Row, by: -1 | 1): void {
    const from = rows.indexOf(row);
    const to = from + by;
    if (to < 0 || to >= rows.length) return;
    const name = rowName(from);
    rows.splice(from, 1);
    rows.splice(to, 0, row);
    refresh();
    // The same button, unless the row reached the end it was moving to.
    const pressed = by === -1 ? row.up : row.down;
    (pressed.hidden ? (by === -1 ? row.down : row.up) : pressed).focus();
    context.announce(t("moved", { row: name, position: to + 1 }));
  }

  const count = () => t("rowCount", { count: rows.length });

  const saved = Array.isArray(value) ? value : [];
  const initial =
    saved.length > 0 ? saved.length : Math.max(field.minItems, field.required ? 1 : 0);
  for (let index = 0; index < initial; index++) rows.push(makeRow(saved[index]));
  refresh();

  return {
    field,
    at,
    element: fieldset,
    target: fieldset,
    read: () => {
      const values = rows.map((row) => row.control.read()).filter((entry) => entry !== undefined);
      return values.length === 0 && !field.required ? undefined : values;
    },
    unreadable: () => undefined,
    setError: (message) => error.set(message, [fieldset]),
    children: () => rows.map((row) => row.control),
  };
}
