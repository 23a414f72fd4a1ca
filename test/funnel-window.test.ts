import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { parseInstant } from "../src/cli/funnel.ts";

const now = Date.UTC(2026, 11, 1);

// `waymark funnel --since/--until`: instants that exist, durations within their bound, and
// a message that says which of the two a value failed and why.
describe("parseInstant", () => {
  it.each([
    ["2028-02-29T00:00:00Z", Date.UTC(2028, 1, 29)],
    ["2000-02-29T12:00:00Z", Date.UTC(2000, 1, 29, 12)],
    ["2026-03-01T23:59:59.5+05:30", Date.UTC(2026, 2, 1, 18, 29, 59, 500)],
    ["2026-03-01T00:00:00-23:59", Date.UTC(2026, 2, 1, 23, 59)],
    ["2026-12-31t23:59:59z", Date.UTC(2026, 11, 31, 23, 59, 59)],
    ["2026-11-24 00:00:00+00:00", Date.UTC(2026, 10, 24)],
    ["0050-01-01T00:00:00Z", new Date("0050-01-01T00:00:00Z").getTime()],
  ])("accepts the instant %s", (value, expected) => {
    expect(parseInstant(value, now)).toBe(expected);
  });

  // Regression: Date.parse rolls 30 February over to 2 March; the fields are read back.
  it.each([
    "2026-02-30T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-03-00T00:00:00Z",
    "2026-03-01T24:00:00Z",
    "2026-03-01T23:60:00Z",
    "2026-03-01T23:59:60Z",
    "2026-03-01T10:00:00+24:00",
    "2026-03-01T10:00:00-05:60",
  ])("refuses %s as not a valid RFC 3339 instant", (value) => {
    expect(() => parseInstant(value, now)).toThrow(InvalidArgumentError);
    expect(() => parseInstant(value, now)).toThrow(
      `"${value}" is not a valid RFC 3339 instant: no such date or time`,
    );
  });

  it.each([
    ["7d", 7 * 86_400_000],
    ["24h", 86_400_000],
    ["30m", 1_800_000],
    ["3660d", 3660 * 86_400_000],
    ["87840h", 87_840 * 3_600_000],
  ])("reads the duration %s back from now", (value, ms) => {
    expect(parseInstant(value, now)).toBe(now - ms);
  });

  // Regression: "99999999d" is a duration, and was refused as if it were not one.
  it.each(["99999999d", "1000000h", "3661d", "87841h", "99999999999999999999d"])(
    "refuses %s as too far back, naming the limit",
    (value) => {
      expect(() => parseInstant(value, now)).toThrow(
        `"${value}" is too far back: a duration reaches back at most 10 years (3660d)`,
      );
    },
  );

  it.each(["0d", "yesterday", "7 days", "-7d", "2026-11-24"])("refuses %s as neither", (value) => {
    expect(() => parseInstant(value, now)).toThrow(
      /expected a duration back from now such as 7d, 24h or 30m \(positive, at most 3660d\)/,
    );
  });
});
