import { type Field, type Variant, variantOf } from "../../src/form/index.ts";
import { type Context, type FieldBlock, fieldBlock } from "./compose.ts";
import { type Control, choiceList, errorLine, hint, labelText } from "./controls.ts";
import { h } from "./dom.ts";
import { formMessages } from "./i18n/form-messages.ts";
import { translator } from "./i18n/locale.ts";

const t = translator(formMessages);

/**
 * A `oneOf`/`anyOf` of objects: radio buttons to choose the variant, then that variant's
 * fields below them. The discriminator is sent with the fields, never shown as one.
 * Each variant's fields are built once, when first chosen, and kept while another is
 * shown: arrow keys move through the radio buttons, so Card → Invoice → Card must not
 * lose what was typed. Only the chosen variant's fields are on the page and read, so
 * nothing typed for one variant is sent with another. Saved data opens its own variant,
 * filled in.
 */
export function variantsControl(
  field: Field,
  value: unknown,
  at: () => string,
  seed: string,
  context: Context,
): Control {
  const id = context.id(seed);
  const name = context.name(field.name || "variant");
  const error = errorLine(id);
  const savedIndex = variantOf(field, value);
  const options: { label: string; variant: Variant | undefined }[] = field.variants.map(
    (variant, index) => ({ label: variant.label ?? t("option", { number: index + 1 }), variant }),
  );
  if (!field.required) options.push({ label: t("noAnswer"), variant: undefined });
  const buttons = options.map((_option, index) =>
    h("input", {
      type: "radio",
      name,
      id: index === 0 ? id : `${id}--${index}`,
      value: String(index),
      required: field.required,
      checked: index === savedIndex,
      "aria-describedby": field.hint === undefined ? undefined : `${id}--hint`,
      onchange: () => choose(index),
    }),
  );
  const slot = h("div", { class: "variant" });
  const legend = field.label === "" ? t("chooseOne") : field.label;
  const fieldset = h(
    "fieldset",
    { class: "field variants" },
    h("legend", {}, ...labelText({ ...field, label: legend })),
    hint(field, id),
    error.element,
    choiceList(
      buttons,
      options.map((option) => option.label),
    ),
    slot,
  );
  let chosen: { variant: Variant; block: FieldBlock } | undefined;
  const blocks = new Map<number, FieldBlock>();

  function choose(index: number): void {
    const variant = options[index]?.variant;
    if (variant === undefined) {
      chosen = undefined;
      slot.replaceChildren();
      return;
    }
    let block = blocks.get(index);
    if (block === undefined) {
      const saved = index === savedIndex ? value : undefined;
      block = fieldBlock(variant.fields, saved, at, `${seed}/v${index}`, context);
      blocks.set(index, block);
    }
    chosen = { variant, block };
    slot.replaceChildren(block.container);
  }
  if (savedIndex !== undefined) choose(savedIndex);

  return {
    field,
    at,
    element: fieldset,
    target: buttons[0] ?? fieldset,
    read: () => {
      if (!chosen) return field.required ? {} : undefined;
      const data = chosen.block.read();
      return field.discriminator === undefined
        ? data
        : { [field.discriminator]: chosen.variant.tag, ...data };
    },
    unreadable: () => undefined,
    setError: (message) => error.set(message, buttons),
    children: () => chosen?.block.controls ?? [],
  };
}
