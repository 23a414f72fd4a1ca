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
});
