import { createClient } from "../../src/client/index.ts";
import { readable } from "../../src/form/index.ts";
import { type ShippedLocale, shippedLocaleOf, shippedLocales } from "../../src/i18n/catalogue.ts";
import { h } from "./dom.ts";
import { browserLocale, pageLocale, setPageLocale } from "./i18n/locale.ts";
import { t } from "./i18n/screen-messages.ts";
import type { Screen } from "./screens.ts";

/*
 * The page around the screens: what the server wrote into it (the flow, its title, where
 * the API is), the client every request goes through, the language switcher, the live
 * region, and the one function that puts a screen on it.
 */

const meta = (name: string) =>
  document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";

/** The flow this page drives, as named in its API paths. */
export const flowName = meta("waymark-flow");
/** Where the API is mounted, ending in `/`. */
export const apiBase = new URL(meta("waymark-api") || "./", location.href);

/** Each language's name in itself, for the switcher. */
const languageNames: Readonly<Record<ShippedLocale, string>> = {
  en: "English",
  de: "Deutsch",
  ar: "العربية",
};
const chosenKey = "waymark:language";

setPageLocale(chosenLocale());

/**
 * The typed client. Every request asks for the page's language, so the server's titles,
 * field errors and problems come back in it.
 */
export const client = createClient({ baseUrl: apiBase, flow: flowName, language: pageLocale() });

/** The flow's title as the page was served, for screens shown before the flow is read. */
export function flowTitle(): string {
  return meta("waymark-title") || readable(flowName);
}

const app = document.getElementById("app") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
/** Draws the screen on the page again in the page's new language. */
let redraw: (() => void) | undefined;
/** Writes in flight: a language switch meanwhile waits for them, so no answer lands on a screen that is gone. */
let holds = 0;
/** The language changed while held, and no screen has been drawn in it since. */
let switched = false;

/**
 * Holds redrawing for a language switch until the returned function is called: a write
 * (submit, Start) in flight keeps its screen, and the switch applies after it.
 *
 * @example const release = holdRedraw(); try { await write(); } finally { release(); }
 */
export function holdRedraw(): () => void {
  holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds--;
    if (holds === 0 && switched) {
      switched = false;
      redraw?.();
    }
  };
}

/** Bumped by every navigation, so an answer that arrives after a newer one is dropped. */
let generation = 0;

/** Marks the start of a navigation; the returned check says whether it is still the latest. */
export function begin(): () => boolean {
  const ticket = ++generation;
  return () => ticket === generation;
}

/**
 * Puts `screen` on the page, focus on it if asked. `again` draws it anew once the person
 * picks another language; without it the screen is drawn again by nothing.
 */
export function show(screen: Screen, focus: boolean, again?: () => void): void {
  redraw = again;
  // Built in the page's language now: a switch held during a write is done with.
  switched = false;
  document.title = screen.title;
  app.replaceChildren(...screen.nodes);
  if (focus) screen.focus.focus();
}

/** Shows the screen `build` makes, and makes it again in a newly chosen language. */
export function showBuilt(build: () => Screen, focus: boolean): void {
  show(build(), focus, () => showBuilt(build, false));
}

/** Says something to screen readers through the page's polite live region. */
export function announce(message: string): void {
  status.textContent = message;
}

/** The person's earlier choice in this browser, else the browser's language. */
function chosenLocale(): ShippedLocale {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(chosenKey);
  } catch {
    // Storage may be off (private windows, policies): the browser's language then.
  }
  return (stored && shippedLocaleOf(stored)) || browserLocale();
}

/**
 * The language switcher, above every screen: one button per language, each named in
 * its own language. A choice is kept in this browser and applied at once.
 */
function languageSwitcher(): HTMLElement {
  const buttons = shippedLocales.map((locale) =>
    h(
      "button",
      {
        type: "button",
        class: "language",
        lang: locale,
        "aria-pressed": String(locale === pageLocale()),
        onclick: () => choose(locale),
      },
      languageNames[locale],
    ),
  );
  const nav = h(
    "nav",
    { class: "languages", "aria-label": t("language") },
    h("ul", {}, ...buttons.map((button) => h("li", {}, button))),
  );
  function choose(locale: ShippedLocale): void {
    if (locale === pageLocale()) return;
    try {
      localStorage.setItem(chosenKey, locale);
    } catch {
      // Kept for this page only.
    }
    setPageLocale(locale);
    client.setLanguage(locale);
    nav.setAttribute("aria-label", t("language"));
    buttons.forEach((button, index) => {
      button.setAttribute("aria-pressed", String(shippedLocales[index] === locale));
    });
    if (holds > 0) switched = true;
    else redraw?.();
  }
  return nav;
}

document.body.prepend(h("header", { class: "page-header" }, languageSwitcher()));
