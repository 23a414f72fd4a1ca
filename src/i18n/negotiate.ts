import Negotiator from "negotiator";
import { shippedLocales } from "./catalogue.ts";

/**
 * The language to answer in, from an `Accept-Language` header (RFC 9110 §12.5.4): the
 * person's languages by quality, equal qualities in the order given, and for each the
 * first of `available` (Waymark's shipped languages when not given) that matches it
 * exactly or by its primary language (`de-AT` → `de`, RFC 4647 §3.4 lookup); `*` takes
 * the first available. The first available language (English) when nothing matches or
 * the header is absent. `Negotiator` parses the header.
 *
 * @example negotiateLocale("de-AT,de;q=0.9,en;q=0.5") // "de"
 * @example negotiateLocale("en-GB, de") // "en"
 */
export function negotiateLocale(
  acceptLanguage: string | null | undefined,
  available: readonly string[] = shippedLocales,
): string {
  const fallback = available[0] ?? "en";
  if (!acceptLanguage) return fallback;
  const wanted = new Negotiator({ headers: { "accept-language": acceptLanguage } }).languages();
  const lower = available.map((tag) => tag.toLowerCase());
  for (const tag of wanted) {
    if (tag === "*") return fallback;
    const asked = tag.toLowerCase();
    const exact = lower.indexOf(asked);
    if (exact >= 0) return available[exact] ?? fallback;
    const primary = lower.indexOf(asked.split("-")[0] ?? "");
    if (primary >= 0) return available[primary] ?? fallback;
  }
  return fallback;
}
