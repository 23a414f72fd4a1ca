import { describe, expect, it } from "vitest";
import { defineFlow } from "waymark";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createHttpClient, expectProblem, personalInfo } from "./support/http-client.ts";

const withAccess = (access: "capability" | "secret", history?: boolean) =>
  defineFlow({ name: "onboarding", ttl: "7d", steps: onboarding.steps, access, history });

describe("GET /{flow}/{flowId}/history", () => {
  it("is off by default for a capability flow: whoever holds the id would see it", async () => {
    const client = createHttpClient({ flows: [onboarding] });
    const { path } = await client.start();
    await expectProblem(await client.send("GET", `${path}/history`), 404, "history-unavailable");
  });

  it("is on by default for a secret flow, for the holder of its secret only", async () => {
    const client = createHttpClient({ flows: [withAccess("secret")] });
    const created = await client.send("POST", "/onboarding");
    const { flowId, flowSecret } = (await created.json()) as { flowId: string; flowSecret: string };
    const path = `/onboarding/${flowId}`;
    const bearer = { authorization: `Bearer ${flowSecret}` };
    await client.send("PUT", `${path}/step/1`, { json: personalInfo, headers: bearer });

    await expectProblem(await client.send("GET", `${path}/history`), 404, "flow-not-found");
    const history = await client.send("GET", `${path}/history`, { headers: bearer });
    expect(history.status).toBe(200);
    const body = (await history.json()) as { events: Array<{ type: string; step?: string }> };
    expect(body.events.map((e) => [e.type, e.step])).toEqual([
      ["flow.started", undefined],
      ["step.submitted", "personal-info"],
    ]);
  });

  it("can be turned on for a capability flow, or off for a secret one", async () => {
    const on = createHttpClient({ flows: [withAccess("capability", true)] });
    const { path } = await on.start();
    expect((await on.send("GET", `${path}/history`)).status).toBe(200);
    const off = createHttpClient({ flows: [withAccess("secret", false)] });
    const created = (await (await off.send("POST", "/onboarding")).json()) as {
      flowId: string;
      flowSecret: string;
    };
    const response = await off.send("GET", `/onboarding/${created.flowId}/history`, {
      headers: { authorization: `Bearer ${created.flowSecret}` },
    });
    await expectProblem(response, 404, "history-unavailable");
  });

  it("token mode keeps no log: 404 history-unavailable", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const client = createHttpClient({ flows: [withAccess("capability", true)], tokens });
    const { path } = await client.start();
    await expectProblem(await client.send("GET", `${path}/history`), 404, "history-unavailable");
  });

  it("an unknown flow id is 404 flow-not-found, and other methods 405", async () => {
    const client = createHttpClient({ flows: [withAccess("capability", true)] });
    const missing = "/onboarding/00000000-0000-4000-8000-000000000000/history";
    await expectProblem(await client.send("GET", missing), 404, "flow-not-found");
    const { path } = await client.start();
    const post = await client.send("POST", `${path}/history`);
    await expectProblem(post, 405, "method-not-allowed");
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});
