import type { FlowDefinition, FlowMessages } from "./types.ts";

/**
 * The languages a flow's `messages` translate into, as written in its definition; none
 * when `messages` is a function (any language may then have translations).
 *
 * @example flowLocales(onboarding) // ["de", "ar"]
 */
export function flowLocales(definition: Pick<FlowDefinition, "messages">): string[] {
  const messages = definition.messages;
  return messages === undefined || typeof messages === "function" ? [] : Object.keys(messages);
}

/**
 * The flow's translation of one of its own texts into `locale`, or the text as written.
 * A tag with a region (`de-AT`) falls back to its language (`de`).
 *
 * @throws whatever a `messages` function throws
 * @example flowText(onboarding, "de", "Personal information") // "Persönliche Angaben"
 */
export function flowText(
  definition: Pick<FlowDefinition, "messages">,
  locale: string,
  text: string,
): string {
  const messages = definition.messages;
  if (messages === undefined) return text;
  for (const tag of fallbacks(locale)) {
    const translation = textsFor(messages, tag)?.[text];
    if (translation !== undefined) return translation;
  }
  return text;
}

function textsFor(
  messages: FlowMessages,
  tag: string,
): Readonly<Record<string, string>> | undefined {
  if (typeof messages === "function") return messages(tag);
  const found = Object.keys(messages).find((key) => key.toLowerCase() === tag.toLowerCase());
  return found === undefined ? undefined : messages[found];
}

/** `de-AT-x-y` → `["de-AT-x-y", "de-AT-x", "de-AT", "de"]` (RFC 4647 lookup). */
function fallbacks(locale: string): string[] {
  const parts = locale.split("-");
  return parts.map((_, index) => parts.slice(0, parts.length - index).join("-"));
}
