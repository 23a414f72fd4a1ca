import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/cli/config.ts";

const keys = [
  "maxHeaderBytes",
  "maxHeaderCount",
  "headersTimeoutMs",
  "requestTimeoutMs",
  "keepAliveTimeoutMs",
] as const;

describe("timeout and header limit settings", () => {
  it("default to 16 KiB and 100 fields, 10 s for headers, 30 s for a request, 5 s idle", () => {
    expect(resolveConfig(keys, {}, {})).toEqual({
      maxHeaderBytes: 16_384,
      maxHeaderCount: 100,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it("read their variables, and let flags beat them", () => {
    const env = {
      WAYMARK_MAX_HEADER_BYTES: "8192",
      WAYMARK_MAX_HEADER_COUNT: "50",
      WAYMARK_HEADERS_TIMEOUT_MS: "2000",
      WAYMARK_REQUEST_TIMEOUT_MS: "86400000",
      WAYMARK_KEEP_ALIVE_TIMEOUT_MS: "65000",
    };
    expect(resolveConfig(keys, {}, env)).toEqual({
      maxHeaderBytes: 8_192,
      maxHeaderCount: 50,
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 86_400_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(
      resolveConfig(keys, { headersTimeoutMs: "500", maxHeaderCount: "200" }, env),
    ).toMatchObject({ headersTimeoutMs: 500, maxHeaderCount: 200 });
  });

  it.each([
    [{ headersTimeoutMs: "0" }, /invalid --headers-timeout-ms "0": expected a positive number/],
    [{ requestTimeoutMs: "86400001" }, /invalid --request-timeout-ms .*at most 86400000 ms/],
    [{ keepAliveTimeoutMs: "5s" }, /invalid --keep-alive-timeout-ms "5s"/],
    [{ maxHeaderCount: "100000" }, /invalid --max-header-count "100000"/],
    [{ maxHeaderBytes: "-1" }, /invalid --max-header-bytes "-1"/],
  ])("refuses %o, naming the flag", (flags, message) => {
    expect(() => resolveConfig(keys, flags, {})).toThrow(message);
  });

  // Regression: a number of many digits was refused as "expected a positive number",
  // as if it were not one; a value too large now says so and names the bound.
  it.each([
    [
      "liveHeartbeatMs",
      "99999999999",
      /"99999999999": too large: .*at most 86400000 ms \(24 hours\)/,
    ],
    ["liveHeartbeatMs", "86400001", /too large: .*at most 86400000 ms/],
    ["requestTimeoutMs", "123456789012345678901234", /too large: .*at most 86400000 ms/],
    ["maxBodyBytes", "99999999999", /too large: .*at most 999999999/],
    ["maxHeaderBytes", "1000000000", /too large: .*at most 999999999/],
    ["maxHeaderCount", "9999999999", /too large: expected a positive count up to 99999/],
    ["liveMaxStreams", "100000", /too large: expected a positive count up to 99999/],
    ["port", "999999", /too large: expected a port number up to 65535/],
    ["port", "65536", /too large: expected a port number up to 65535/],
    ["liveHeartbeatMs", "0", /expected a positive number of milliseconds, at most 86400000 ms/],
    ["maxBodyBytes", "lots", /expected a positive number of bytes, at most 999999999/],
  ] as const)("names the bound of %s for %s", (key, value, message) => {
    expect(() => resolveConfig([key], { [key]: value }, {})).toThrow(message);
  });

  it.each([
    ["liveHeartbeatMs", "86400000", 86_400_000],
    ["maxBodyBytes", "999999999", 999_999_999],
    ["liveMaxStreams", "99999", 99_999],
    ["port", "65535", 65_535],
    ["port", "0", 0],
  ] as const)("accepts %s at its bound, %s", (key, value, expected) => {
    expect(resolveConfig([key], { [key]: value }, {})).toEqual({ [key]: expected });
  });
});
