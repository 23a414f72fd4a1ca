import { formatLocale } from "./locale.ts";

export { formatLocale };

/**
 * A moment as a person reads it in the page's language, with its time zone, since the
 * server and the reader may be in different ones: "10 December 2026 at 14:05 CET".
 *
 * @example dateTime(new Date("2026-12-10T13:05:00Z")) // "December 10, 2026 at 2:05 PM GMT+1" (en, Berlin)
 */
export function dateTime(moment: Date): string {
  // dateStyle and timeStyle cannot be combined with timeZoneName: the parts are named.
  return new Intl.DateTimeFormat(formatLocale(), {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(moment);
}

/**
 * A length of time in words, in the page's language and the largest unit that states it
 * exactly: "7 days", "90 minutes", "7 Tage", "٧ أيام".
 *
 * @example duration(604_800_000) // "7 days"
 */
export function duration(ms: number): string {
  const units = [
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
    ["second", 1_000],
  ] as const;
  const [unit, size] = units.find(([, size]) => ms >= size && ms % size === 0) ?? ["second", 1_000];
  const format = new Intl.NumberFormat(formatLocale(), {
    style: "unit",
    unit,
    unitDisplay: "long",
  });
  return format.format(Math.round(ms / size));
}
