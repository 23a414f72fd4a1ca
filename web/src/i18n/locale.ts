import {
  type Catalogue,
  directionOf,
  type MessageValues,
  type ShippedLocale,
  shippedLocaleOf,
  translate,
} from "../../../src/i18n/catalogue.ts";

/** The page's language: the person's choice, else the browser's first shipped language. */
let current: ShippedLocale = "en";

/** The language the page is in. */
export function pageLocale(): ShippedLocale {
  return current;
}

/** Sets the page's language, with `lang` and `dir` on the document for the browser and assistive tech. */
export function setPageLocale(locale: ShippedLocale): void {
  current = locale;
  document.documentElement.lang = locale;
  document.documentElement.dir = directionOf(locale);
}

/** The first of the browser's languages Waymark ships, or English. */
export function browserLocale(): ShippedLocale {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const shipped = shippedLocaleOf(tag);
    if (shipped) return shipped;
  }
  return "en";
}

/**
 * A function that reads `catalogue` in the page's current language, English where a
 * translation is missing.
 *
 * @example const t = translator(formMessages); t("addRow", { label: "Item" })
 */
export function translator<Key extends string>(
  catalogue: Catalogue<Key>,
): (key: Key, values?: MessageValues) => string {
  return (key, values) => translate(catalogue, current, key, values);
}
