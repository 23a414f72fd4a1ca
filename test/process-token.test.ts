import { afterEach, describe, expect, it } from "vitest";
import { generateKeyEntry } from "../src/token/jwe.ts";
import { employeeContract, jsonRequest, personalInfo, review } from "./support/onboarding-data.ts";
import { killAll, runCli, startServer } from "./support/processes.ts";

afterEach(killAll);

const keys = `${generateKeyEntry("k1")}`;
const tokenMode = { WAYMARK_STORE: "token", WAYMARK_TOKEN_KEYS: keys };

describe("token mode in a real process", () => {
  it("continues a flow after a restart with the same key", async () => {
    let server = await startServer({ env: tokenMode });
    const created = await fetch(`${server.url}/onboarding`, { method: "POST" });
    let path = created.headers.get("location") ?? "";
    for (const [index, [step, data]] of (
      [
        ["1", personalInfo],
        ["2", employeeContract],
        ["review", review],
      ] as const
    ).entries()) {
      await server.stop("SIGKILL");
      server = await startServer({ env: tokenMode });
      const response = await fetch(`${server.url}${path}/step/${step}`, jsonRequest("PUT", data));
      expect(response.status).toBe(200);
      path = response.headers.get("location") ?? "";
      const body = (await response.json()) as { version: number; status: string };
      expect(body.version).toBe(index + 2);
      if (step === "review") expect(body.status).toBe("completed");
    }
  });

  it("refuses to start in production without WAYMARK_TOKEN_KEYS, naming it", async () => {
    const result = await runCli(
      ["serve", "--flows", "examples/onboarding/flow.ts", "--port", "0"],
      {
        NODE_ENV: "production",
        WAYMARK_STORE: "token",
        WAYMARK_TOKEN_KEYS: "",
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("WAYMARK_TOKEN_KEYS");
  });

  it("prints a new key with keygen that the server accepts", async () => {
    const { code, stdout } = await runCli(["keygen", "--kid", "2026-11"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2026-11:[A-Za-z0-9_-]{43}\n$/);
    const server = await startServer({
      env: { WAYMARK_STORE: "token", WAYMARK_TOKEN_KEYS: stdout.trim(), NODE_ENV: "production" },
    });
    expect((await fetch(`${server.url}/onboarding`, { method: "POST" })).status).toBe(201);
  });
});
