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
