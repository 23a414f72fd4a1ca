type Child = Node | string | false | null | undefined;
type Attribute = string | number | boolean | undefined | ((event: Event) => void);

/**
 * Creates an element. `on…` attributes take listeners; `true` sets a boolean attribute,
 * `false` and `undefined` leave it out. Text is always set as text, never parsed as HTML.
 *
 * @example h("button", { type: "button", onclick: back }, "Back")
 */
export function h<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Record<string, Attribute> = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...children.filter((child): child is Node | string => Boolean(child)));
  return element;
}
