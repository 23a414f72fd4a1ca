import type { FieldErrorCode, FieldErrorParam } from "../contract/problem.ts";
import { defineCatalogue, type MessageValues, shippedLocaleOf, translate } from "./catalogue.ts";

/**
 * Waymark's own message for each field error code, in English, German and Arabic (ICU
 * MessageFormat). `required` and `required_choose` name the field (`{label}`): "Enter
 * …" for text and numbers, "Choose …" for choices. The others read their `params`.
 *
 * @example translate(fieldMessages, "ar", "required_choose", { label: "النوع" }) // "اختر النوع"
 */
export const fieldMessages = defineCatalogue({
  en: {
    required: "Enter {label}",
    required_choose: "Choose {label}",
    invalid_type:
      "{expected, select, string {Enter text} number {Enter a number} integer {Enter a whole number} boolean {Choose yes or no} array {Enter a list} object {Expected a JSON object} other {Enter a valid answer}}",
    too_small:
      "{origin, select, string {Enter at least {minimum, plural, one {# character} other {# characters}}} array {Choose at least {minimum, plural, one {# item} other {# items}}} other {{inclusive, select, false {Enter a number greater than {minimum, number}} other {Enter {minimum, number} or more}}}}",
    too_big:
      "{origin, select, string {Enter at most {maximum, plural, one {# character} other {# characters}}} array {Choose at most {maximum, plural, one {# item} other {# items}}} other {{inclusive, select, false {Enter a number less than {maximum, number}} other {Enter {maximum, number} or less}}}}",
    invalid_format:
      "{format, select, email {Enter an email address like name@example.com} date {Enter a date like 2030-01-31} datetime {Enter a date and time like 2030-01-31T09:30:00Z} time {Enter a time like 09:30} uri {Enter a web address like https://example.com} uuid {Enter an identifier like 123e4567-e89b-12d3-a456-426614174000} other {Enter the answer in the format asked for}}",
    invalid_value: "Choose one of the options offered",
    not_multiple_of: "Enter a multiple of {divisor, number}",
    invalid_union: "Enter an answer that matches one of the choices",
    unknown_key: "Unknown key",
    invalid_text: "Text may not contain U+0000 or lone surrogates",
    custom: "Check this answer",
  },
  de: {
    required: "Bitte {label} eingeben",
    required_choose: "Bitte {label} auswählen",
    invalid_type:
      "{expected, select, string {Bitte Text eingeben} number {Bitte eine Zahl eingeben} integer {Bitte eine ganze Zahl eingeben} boolean {Bitte Ja oder Nein wählen} array {Bitte eine Liste eingeben} object {Erwartet wird ein JSON-Objekt} other {Bitte eine gültige Antwort eingeben}}",
    too_small:
      "{origin, select, string {Bitte mindestens {minimum, plural, one {# Zeichen} other {# Zeichen}} eingeben} array {Bitte mindestens {minimum, plural, one {# Eintrag} other {# Einträge}} auswählen} other {{inclusive, select, false {Bitte eine Zahl größer als {minimum, number} eingeben} other {Bitte {minimum, number} oder mehr eingeben}}}}",
    too_big:
      "{origin, select, string {Bitte höchstens {maximum, plural, one {# Zeichen} other {# Zeichen}} eingeben} array {Bitte höchstens {maximum, plural, one {# Eintrag} other {# Einträge}} auswählen} other {{inclusive, select, false {Bitte eine Zahl kleiner als {maximum, number} eingeben} other {Bitte {maximum, number} oder weniger eingeben}}}}",
    invalid_format:
      "{format, select, email {Bitte eine E-Mail-Adresse wie name@example.com eingeben} date {Bitte ein Datum wie 2030-01-31 eingeben} datetime {Bitte Datum und Uhrzeit wie 2030-01-31T09:30:00Z eingeben} time {Bitte eine Uhrzeit wie 09:30 eingeben} uri {Bitte eine Webadresse wie https://example.com eingeben} uuid {Bitte eine Kennung wie 123e4567-e89b-12d3-a456-426614174000 eingeben} other {Bitte die Antwort im verlangten Format eingeben}}",
    invalid_value: "Bitte eine der angebotenen Optionen auswählen",
    not_multiple_of: "Bitte ein Vielfaches von {divisor, number} eingeben",
    invalid_union: "Bitte eine Antwort eingeben, die zu einer der Auswahlmöglichkeiten passt",
    unknown_key: "Unbekannter Schlüssel",
    invalid_text: "Text darf weder U+0000 noch einzelne Surrogate enthalten",
    custom: "Bitte diese Antwort prüfen",
  },
  ar: {
    required: "أدخل {label}",
    required_choose: "اختر {label}",
    invalid_type:
      "{expected, select, string {أدخل نصًا} number {أدخل رقمًا} integer {أدخل عددًا صحيحًا} boolean {اختر نعم أو لا} array {أدخل قائمة} object {المتوقع كائن JSON} other {أدخل إجابة صالحة}}",
    too_small:
      "{origin, select, string {أدخل {minimum, plural, zero {# حرف} one {حرفًا واحدًا} two {حرفين} few {# أحرف} many {# حرفًا} other {# حرف}} على الأقل} array {اختر {minimum, plural, zero {# عنصر} one {عنصرًا واحدًا} two {عنصرين} few {# عناصر} many {# عنصرًا} other {# عنصر}} على الأقل} other {{inclusive, select, false {أدخل رقمًا أكبر من {minimum, number}} other {أدخل {minimum, number} أو أكثر}}}}",
    too_big:
      "{origin, select, string {أدخل {maximum, plural, zero {# حرف} one {حرفًا واحدًا} two {حرفين} few {# أحرف} many {# حرفًا} other {# حرف}} على الأكثر} array {اختر {maximum, plural, zero {# عنصر} one {عنصرًا واحدًا} two {عنصرين} few {# عناصر} many {# عنصرًا} other {# عنصر}} على الأكثر} other {{inclusive, select, false {أدخل رقمًا أصغر من {maximum, number}} other {أدخل {maximum, number} أو أقل}}}}",
    invalid_format:
      "{format, select, email {أدخل عنوان بريد إلكتروني مثل name@example.com} date {أدخل تاريخًا مثل 2030-01-31} datetime {أدخل تاريخًا ووقتًا مثل 2030-01-31T09:30:00Z} time {أدخل وقتًا مثل 09:30} uri {أدخل عنوان ويب مثل https://example.com} uuid {أدخل معرّفًا مثل 123e4567-e89b-12d3-a456-426614174000} other {أدخل الإجابة بالصيغة المطلوبة}}",
    invalid_value: "اختر أحد الخيارات المعروضة",
    not_multiple_of: "أدخل مضاعفًا للعدد {divisor, number}",
    invalid_union: "أدخل إجابة تطابق أحد الخيارات",
    unknown_key: "مفتاح غير معروف",
    invalid_text: "لا يجوز أن يحتوي النص على U+0000 أو على بدائل منفردة",
    custom: "تحقّق من هذه الإجابة",
  },
});

/** A key of {@link fieldMessages}. */
export type FieldMessageKey = keyof (typeof fieldMessages)["en"];

/**
 * Waymark's message for a field error in `locale`: for `required`, "Enter {label}" or,
 * when `choose`, "Choose {label}"; for the other codes, the text their `params` fill.
 * A label in English loses its capital ("First name" → "Enter first name") unless it
 * starts with an acronym ("VAT ID").
 *
 * @example builtInMessage("too_small", { minimum: 2, origin: "string", inclusive: true }, "de") // "Bitte mindestens 2 Zeichen eingeben"
 */
export function builtInMessage(
  code: FieldErrorCode,
  params: Readonly<Record<string, FieldErrorParam>>,
  locale: string,
  field: { label?: string; choose?: boolean } = {},
): string {
  if (code === "required") {
    const label = (shippedLocaleOf(locale) ?? "en") === "en" ? lowered(field.label) : field.label;
    return translate(fieldMessages, locale, field.choose ? "required_choose" : "required", {
      label: label ?? "",
    });
  }
  const values = scalarValues(params);
  const needs: Partial<Record<FieldErrorCode, string>> = {
    too_small: "minimum",
    too_big: "maximum",
    not_multiple_of: "divisor",
  };
  const needed = needs[code];
  if (needed !== undefined && typeof values[needed] !== "number") {
    return translate(fieldMessages, locale, "custom");
  }
  // An ICU selector is a word: `date-time` is selected as `datetime`.
  const format = typeof values.format === "string" ? values.format.replaceAll("-", "") : "other";
  return translate(fieldMessages, locale, code, {
    expected: "other",
    origin: "other",
    inclusive: true,
    ...values,
    format,
  });
}

/** The params a message can read: scalars only (a select keys on the text of a value). */
function scalarValues(params: Readonly<Record<string, FieldErrorParam>>): MessageValues {
  const values: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      values[key] = value;
    }
  }
  return values;
}

function lowered(label: string | undefined): string | undefined {
  if (label === undefined || !/^\p{Lu}\p{Ll}/u.test(label)) return label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}
