import { flowLocales } from "../flow/messages.ts";
import type { FlowDefinition } from "../flow/types.ts";
import { shippedLocales } from "../i18n/catalogue.ts";
import { negotiateLocale } from "../i18n/negotiate.ts";

/**
 * The language a request is answered in, from its `Accept-Language`: one Waymark ships
 * (English, German, Arabic) or one the flow's `messages` translate into; English when
 * none matches.
 *
 * @example requestLocale(new Request(url, { headers: { "accept-language": "de" } }), onboarding) // "de"
 */
export function requestLocale(
  request: Request,
  definition?: Pick<FlowDefinition, "messages">,
): string {
  const extra = definition ? flowLocales(definition) : [];
  const available = [
    ...shippedLocales,
    ...extra.filter((tag) => !shippedLocales.some((s) => s === tag.toLowerCase())),
  ];
  return negotiateLocale(request.headers.get("accept-language"), available);
}

/**
 * Adds `Accept-Language` to a response's `Vary` (RFC 9110 §12.5.5), keeping what is
 * there (CORS's `Origin`, say): the answer was chosen by the request's language.
 *
 * @example varyOnLanguage(response.headers) // Vary: Origin → Vary: Origin, Accept-Language
 */
export function varyOnLanguage(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary === null || vary.trim() === "") {
    headers.set("vary", "Accept-Language");
    return;
  }
  const names = vary.split(",").map((name) => name.trim().toLowerCase());
  if (!names.includes("accept-language") && !names.includes("*")) {
    headers.set("vary", `${vary}, Accept-Language`);
  }
}
