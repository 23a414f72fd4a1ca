import Negotiator from "negotiator";
import { shippedLocales } from "./catalogue.ts";

/**
 * The language to answer in: the best match of an `Accept-Language` header (RFC 9110
 * §12.5.4) among `available` (Waymark's shipped languages when not given), by quality
 * and then order, a tag with a region matching its language (`de-AT` → `de`). The first
 * available language (English) when nothing matches or the header is absent.
 *
 * @example negotiateLocale("de-AT,de;q=0.9,en;q=0.5") // "de"
 */
export function negotiateLocale(
  acceptLanguage: string | null | undefined,
  available: readonly string[] = shippedLocales,
): string {
  const fallback = available[0] ?? "en";
  if (!acceptLanguage) return fallback;
  const negotiator = new Negotiator({ headers: { "accept-language": acceptLanguage } });
  return negotiator.languages([...available])[0] ?? fallback;
}
