import type { FlowDefinition, FlowMessages } from "./types.ts";
import { runUserCode } from "./user-code.ts";

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
 * A tag with a region (`de-AT`) falls back to its language (`de`). Only a map's own
 * string members count: a text such as "constructor" is never read off a prototype.
 *
 * @throws WaymarkError `definition-error` (hook `messages`) when a `messages` function throws
 * @example flowText(onboarding, "de", "Personal information") // "Persönliche Angaben"
 */
export function flowText(
  definition: Pick<FlowDefinition, "name" | "messages">,
  locale: string,
  text: string,
): string {
  const messages = definition.messages;
  if (messages === undefined) return text;
  for (const tag of fallbacks(locale)) {
    const texts = textsFor(definition.name, messages, tag);
    if (typeof texts !== "object" || texts === null || !Object.hasOwn(texts, text)) continue;
    const translation: unknown = (texts as Record<string, unknown>)[text];
    if (typeof translation === "string") return translation;
  }
  return text;
}

function textsFor(flow: string, messages: FlowMessages, tag: string): unknown {
  if (typeof messages === "function") {
    return runUserCode({ flow, hook: "messages" }, () => messages(tag));
  }
  const found = Object.keys(messages).find((key) => key.toLowerCase() === tag.toLowerCase());
  return found === undefined ? undefined : messages[found];
}

/**
 * A language tag and each shorter one it falls back to, longest first (RFC 4647 §3.4
 * lookup).
 *
 * @example fallbacks("de-AT-x-y") // ["de-AT-x-y", "de-AT-x", "de-AT", "de"]
 */
export function fallbacks(locale: string): string[] {
  const parts = locale.split("-");
  return parts.map((_, index) => parts.slice(0, parts.length - index).join("-"));
}
