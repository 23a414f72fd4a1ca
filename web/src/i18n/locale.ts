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
 * The locale dates and numbers are written in: the browser's own variant of the page's
 * language where it has one (`en-GB` writes "8 December", `en-US` "December 8", `ar-EG`
 * "٣"), else the page's language. Messages, dates and step markers all use it, so a
 * screen never mixes digit systems.
 *
 * @example formatLocale() // "en-GB" on a British English browser showing English
 */
export function formatLocale(): string {
  // Outside a browser (the summary's unit tests) there is no navigator to ask.
  if (typeof navigator === "undefined") return current;
  const languages = navigator.languages ?? [navigator.language];
  return languages.find((tag) => shippedLocaleOf(tag) === current) ?? current;
}

/**
 * A function that reads `catalogue` in the page's current language, English where a
 * translation is missing; numbers in its messages are written in `formatLocale()`.
 *
 * @example const t = translator(formMessages); t("addRow", { label: "Item" })
 */
export function translator<Key extends string>(
  catalogue: Catalogue<Key>,
): (key: Key, values?: MessageValues) => string {
  return (key, values) => translate(catalogue, formatLocale(), key, values);
}
