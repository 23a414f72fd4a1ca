import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-webhooks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = `sqlite:${join(dir, "flows.db")}`;
const secret = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;

describe("waymark serve refuses webhook settings that cannot work, naming them", () => {
  it.each([
    [
      "a lease no longer than the webhook timeout",
      {
        WAYMARK_WEBHOOK_URL: "http://127.0.0.1:9/hooks",
        WAYMARK_WEBHOOK_SECRET: secret,
        WAYMARK_WEBHOOK_TIMEOUT_MS: "70000",
      },
      /the delivery lease \(60000 ms, --delivery-lease-ms or WAYMARK_DELIVERY_LEASE_MS\) must exceed the webhook timeout \(70000 ms, --webhook-timeout-ms or WAYMARK_WEBHOOK_TIMEOUT_MS\)/,
    ],
    [
      "a URL with a password in it",
      { WAYMARK_WEBHOOK_URL: "http://user:pw@127.0.0.1:9/hooks", WAYMARK_WEBHOOK_SECRET: secret },
      /invalid WAYMARK_WEBHOOK_URL: URL 1 carries a user or password/,
    ],
    [
      "a malformed timeout, with no URL set",
      { WAYMARK_WEBHOOK_TIMEOUT_MS: "abc" },
      /invalid WAYMARK_WEBHOOK_TIMEOUT_MS/,
    ],
  ])("%s", async (_case, env, message) => {
    const result = await runCli(["serve", "--flows", "examples/onboarding/flow.ts"], {
      WAYMARK_STORE: store,
      PORT: "0",
      ...env,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("pw@");
  });
});
