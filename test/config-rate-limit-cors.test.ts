import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/cli/config.ts";

const keys = ["rateLimit", "rateLimitBy", "corsOrigins"] as const;

describe("rate limit and CORS settings", () => {
  it("limit 600 requests a minute per address and allow no other origin by default", () => {
    expect(resolveConfig(keys, {}, {})).toEqual({
      rateLimit: { limit: 600, windowMs: 60_000 },
      rateLimitBy: "address",
      corsOrigins: [],
    });
  });

  it.each([
    ["600/1m", { limit: 600, windowMs: 60_000 }],
    ["600/m", { limit: 600, windowMs: 60_000 }],
    ["50/10s", { limit: 50, windowMs: 10_000 }],
    ["10000/1h", { limit: 10_000, windowMs: 3_600_000 }],
    ["5/24h", { limit: 5, windowMs: 86_400_000 }],
    ["off", false],
  ])("reads --rate-limit %s", (value, rateLimit) => {
    expect(resolveConfig(["rateLimit"], { rateLimit: value }, {})).toEqual({ rateLimit });
    expect(resolveConfig(["rateLimit"], {}, { WAYMARK_RATE_LIMIT: value })).toEqual({
      rateLimit,
    });
  });

  it.each(["0/1m", "600", "600/0s", "600/1d", "600/25h", "-1/1m", "600/1.5m", "on"])(
    "refuses WAYMARK_RATE_LIMIT=%s, naming it",
    (value) => {
      expect(() => resolveConfig(["rateLimit"], {}, { WAYMARK_RATE_LIMIT: value })).toThrow(
        `invalid WAYMARK_RATE_LIMIT "${value}": expected requests per window`,
      );
    },
  );

  it("reads a per-flow limit, off by default, refusing a malformed one", () => {
    expect(resolveConfig(["rateLimitPerFlow"], {}, {})).toEqual({ rateLimitPerFlow: false });
    expect(
      resolveConfig(["rateLimitPerFlow"], {}, { WAYMARK_RATE_LIMIT_PER_FLOW: "120/1m" }),
    ).toEqual({ rateLimitPerFlow: { limit: 120, windowMs: 60_000 } });
    expect(() => resolveConfig(["rateLimitPerFlow"], { rateLimitPerFlow: "120" }, {})).toThrow(
      'invalid --rate-limit-per-flow "120"',
    );
  });

  it("lets --rate-limit beat WAYMARK_RATE_LIMIT", () => {
    const env = { WAYMARK_RATE_LIMIT: "off", WAYMARK_RATE_LIMIT_BY: "x-forwarded-for" };
    expect(resolveConfig(keys, { rateLimit: "20/1s" }, env)).toMatchObject({
      rateLimit: { limit: 20, windowMs: 1_000 },
      rateLimitBy: "x-forwarded-for",
    });
    expect(() => resolveConfig(["rateLimitBy"], { rateLimitBy: "cookie" }, {})).toThrow(
      'invalid --rate-limit-by "cookie"',
    );
  });

  it("reads WAYMARK_CORS_ORIGINS as * or a comma-separated list of origins", () => {
    const read = (value: string) =>
      resolveConfig(["corsOrigins"], {}, { WAYMARK_CORS_ORIGINS: value }).corsOrigins;
    expect(read("*")).toBe("*");
    expect(read("https://app.example.com, http://localhost:5173")).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(read("off")).toEqual([]);
    expect(resolveConfig(["corsOrigins"], { corsOrigins: "" }, {}).corsOrigins).toEqual([]);
  });

  it("refuses an entry that is not an origin, naming the flag and the entry", () => {
    expect(() =>
      resolveConfig(["corsOrigins"], { corsOrigins: "https://app.example.com/,*" }, {}),
    ).toThrow('invalid --cors-origins "https://app.example.com/,*": "https://app.example.com/"');
    expect(() =>
      resolveConfig(["corsOrigins"], {}, { WAYMARK_CORS_ORIGINS: "https://a.example,*" }),
    ).toThrow(/invalid WAYMARK_CORS_ORIGINS .*use "\*" on its own/);
  });
});
