import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/cli/config.ts";

const one = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const two = `whsec_${Buffer.alloc(24, 2).toString("base64")}`;
const three = `whsec_${Buffer.alloc(64, 3).toString("base64")}`;

describe("webhook settings", () => {
  it("sends no webhooks by default", () => {
    expect(resolveConfig(["webhooks"], {}, {})).toEqual({ webhooks: [] });
  });

  it("pairs one URL with its secret", () => {
    const env = { WAYMARK_WEBHOOK_URL: "https://example.com/hooks", WAYMARK_WEBHOOK_SECRET: one };
    expect(resolveConfig(["webhooks"], {}, env)).toEqual({
      webhooks: [{ url: "https://example.com/hooks", secret: one, timeoutMs: 10_000 }],
    });
  });

  it("gives one secret to every URL, or one per URL in order", () => {
    const WAYMARK_WEBHOOK_URL = " https://a.example/hooks , http://127.0.0.1:8080/in";
    expect(
      resolveConfig(["webhooks"], {}, { WAYMARK_WEBHOOK_URL, WAYMARK_WEBHOOK_SECRET: one }),
    ).toEqual({
      webhooks: [
        { url: "https://a.example/hooks", secret: one, timeoutMs: 10_000 },
        { url: "http://127.0.0.1:8080/in", secret: one, timeoutMs: 10_000 },
      ],
    });
    expect(
      resolveConfig(
        ["webhooks"],
        {},
        { WAYMARK_WEBHOOK_URL, WAYMARK_WEBHOOK_SECRET: `${two},${three}` },
      ).webhooks.map((endpoint) => endpoint.secret),
    ).toEqual([two, three]);
  });

  it("gives every endpoint the timeout of WAYMARK_WEBHOOK_TIMEOUT_MS, or --webhook-timeout-ms", () => {
    const env = {
      WAYMARK_WEBHOOK_URL: "https://a.example/hooks",
      WAYMARK_WEBHOOK_SECRET: one,
      WAYMARK_WEBHOOK_TIMEOUT_MS: "2500",
    };
    expect(resolveConfig(["webhooks"], {}, env).webhooks[0]?.timeoutMs).toBe(2_500);
    expect(
      resolveConfig(["webhooks"], { webhookTimeoutMs: "750" }, env).webhooks[0]?.timeoutMs,
    ).toBe(750);
    expect(() =>
      resolveConfig(["webhooks"], {}, { ...env, WAYMARK_WEBHOOK_TIMEOUT_MS: "soon" }),
    ).toThrow(/WAYMARK_WEBHOOK_TIMEOUT_MS/);
  });

  it("lets --webhook-url and --webhook-secret beat the variables", () => {
    const env = { WAYMARK_WEBHOOK_URL: "https://a.example/hooks", WAYMARK_WEBHOOK_SECRET: one };
    const flags = { webhookUrl: "https://b.example/hooks", webhookSecret: two };
    expect(resolveConfig(["webhooks"], flags, env)).toEqual({
      webhooks: [{ url: "https://b.example/hooks", secret: two, timeoutMs: 10_000 }],
    });
  });

  it.each([
    [
      { WAYMARK_WEBHOOK_URL: "https://a.example/hooks" },
      /^WAYMARK_WEBHOOK_URL names a webhook URL but no secret is set: set WAYMARK_WEBHOOK_SECRET$/,
    ],
    [{ WAYMARK_WEBHOOK_SECRET: one }, /^WAYMARK_WEBHOOK_SECRET is set but no webhook URL is/],
    [
      {
        WAYMARK_WEBHOOK_URL: "https://a.example/1,https://a.example/2,https://a.example/3",
        WAYMARK_WEBHOOK_SECRET: `${one},${two}`,
      },
      /^WAYMARK_WEBHOOK_SECRET has 2 secrets for the 3 URLs of WAYMARK_WEBHOOK_URL/,
    ],
    [
      { WAYMARK_WEBHOOK_URL: "ftp://a.example/x", WAYMARK_WEBHOOK_SECRET: one },
      /^invalid WAYMARK_WEBHOOK_URL: URL 1 is not a valid http: or https: URL$/,
    ],
    [
      { WAYMARK_WEBHOOK_URL: "https://a.example/x,nope", WAYMARK_WEBHOOK_SECRET: one },
      /URL 2 is not a valid http/,
    ],
    [
      {
        WAYMARK_WEBHOOK_URL: "https://a.example/x,https://a.example/x",
        WAYMARK_WEBHOOK_SECRET: one,
      },
      /https:\/\/a.example… is named twice/,
    ],
  ])("refuses %o, naming the setting", (env, message) => {
    expect(() => resolveConfig(["webhooks"], {}, env)).toThrow(message);
  });

  it.each([
    "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsec_",
    "whsec_not base64!",
    `whsec_${Buffer.alloc(16).toString("base64")}`,
    `whsec_${Buffer.alloc(65).toString("base64")}`,
    `whsec_${Buffer.alloc(32).toString("base64").slice(0, -1)}`,
  ])("refuses the secret %s without repeating it", (secret) => {
    const env = { WAYMARK_WEBHOOK_URL: "https://a.example/hooks", WAYMARK_WEBHOOK_SECRET: secret };
    expect(() => resolveConfig(["webhooks"], {}, env)).toThrow(
      /^invalid WAYMARK_WEBHOOK_SECRET: secret 1 is not whsec_ followed by 24 to 64 bytes in base64$/,
    );
    expect(() => resolveConfig(["webhooks"], { webhookSecret: `${one},${secret}` }, env)).toThrow(
      /^invalid --webhook-secret: secret 2 is not/,
    );
  });
});
