import { IntlMessageFormat } from "intl-messageformat";

/**
 * The languages Waymark ships complete: English (the fallback), German and Arabic (read
 * right to left). BCP 47 primary language tags.
 */
export const shippedLocales = ["en", "de", "ar"] as const;

/** One of {@link shippedLocales}. */
export type ShippedLocale = (typeof shippedLocales)[number];

/** Values a message's ICU placeholders take: `{minimum, plural, …}`, `{label}`. */
export type MessageValues = Readonly<Record<string, string | number | boolean | Date>>;

/**
 * One area's messages: English complete (it is the fallback and defines the keys), every
 * other shipped language as far as it is translated. Texts are ICU MessageFormat, so
 * plurals follow each language's rules (Arabic has six forms).
 */
export interface Catalogue<Key extends string = string> {
  readonly en: Readonly<Record<Key, string>>;
  readonly de: Readonly<Partial<Record<Key, string>>>;
  readonly ar: Readonly<Partial<Record<Key, string>>>;
}

/**
 * Declares a catalogue, keeping its keys as a type so that a call with a key that does
 * not exist fails to compile.
 *
 * @example
 * const messages = defineCatalogue({
 *   en: { required: "Enter {label}" },
 *   de: { required: "Geben Sie {label} ein" },
 *   ar: { required: "أدخل {label}" },
 * });
 */
export function defineCatalogue<const Key extends string>(
  catalogue: Catalogue<Key>,
): Catalogue<Key> {
  return catalogue;
}

/** Whether a language tag names a shipped language by its primary subtag (`de-AT` → `de`). */
export function shippedLocaleOf(tag: string): ShippedLocale | undefined {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  return shippedLocales.find((locale) => locale === primary);
}

/** The writing direction of a language: `rtl` for Arabic, Hebrew, Persian and Urdu. */
export function directionOf(tag: string): "ltr" | "rtl" {
  const primary = tag.toLowerCase().split(/[-_]/)[0] ?? "";
  return ["ar", "he", "fa", "ur"].includes(primary) ? "rtl" : "ltr";
}

/** Compiled texts, by locale and text; catalogues are finite, and the cap keeps it so. */
const compiled = new Map<string, IntlMessageFormat>();
const maxCompiled = 2_000;

/**
 * A catalogue's message in `locale`, with its placeholders filled; English when the
 * language lacks the message or is not shipped. A regional `locale` ("ar-EG") picks its
 * language's message and writes its numbers as that region does.
 *
 * @example translate(messages, "de", "required", { label: "Name" }) // "Geben Sie Name ein"
 */
export function translate<Key extends string>(
  catalogue: Catalogue<Key>,
  locale: string,
  key: Key,
  values: MessageValues = {},
): string {
  const shipped = shippedLocaleOf(locale) ?? "en";
  const translated = shipped === "en" ? undefined : catalogue[shipped][key];
  const text = translated ?? catalogue.en[key];
  // Numbers and dates in `locale` itself ("ar-EG" writes ٣), as `Intl` writes them
  // elsewhere on the page; English text falling back keeps English digits.
  const language = translated !== undefined || shipped === "en" ? locale : "en";
  return formatMessage(text, language, values);
}

/**
 * An ICU MessageFormat text formatted in `locale`: numbers, dates and plurals by `Intl`.
 *
 * @example formatMessage("{n, plural, one {# item} other {# items}}", "en", { n: 2 }) // "2 items"
 */
export function formatMessage(text: string, locale: string, values: MessageValues = {}): string {
  const cacheKey = `${locale}\u0000${text}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    format = new IntlMessageFormat(text, locale);
    if (compiled.size >= maxCompiled) compiled.clear();
    compiled.set(cacheKey, format);
  }
  return String(format.format(values as Record<string, string | number | boolean | Date>));
}

/**
 * The keys each shipped language lacks, for a test that lists them (English is complete
 * by construction).
 *
 * @example missingTranslations(messages) // { de: [], ar: ["required"] }
 */
export function missingTranslations<Key extends string>(
  catalogue: Catalogue<Key>,
): Record<Exclude<ShippedLocale, "en">, Key[]> {
  const keys = Object.keys(catalogue.en) as Key[];
  return {
    de: keys.filter((key) => catalogue.de[key] === undefined),
    ar: keys.filter((key) => catalogue.ar[key] === undefined),
  };
}
