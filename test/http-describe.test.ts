import { describe, expect, it } from "vitest";
import type { FlowDescription } from "waymark/contract";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createHttpClient, expectProblem } from "./support/http-client.ts";

describe("GET /{flow}: a flow described without starting one", () => {
  it("gives the title, version, ttl and every step with its schema, creating nothing", async () => {
    const client = createHttpClient({ basePath: "/api" });
    const response = await client.send("GET", "/api/onboarding");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const described = (await response.json()) as FlowDescription;
    expect(described).toMatchObject({
      flow: "onboarding",
      title: "Onboarding",
      definitionVersion: 1,
      ttlMs: 7 * 24 * 3_600_000,
      links: { start: { href: "/api/onboarding", method: "POST" } },
    });
    expect(described.steps.map((step) => [step.name, step.conditional])).toEqual([
      ["personal-info", false],
      ["contract-details", false],
      ["company-details", true],
      ["review", false],
    ]);
    expect(described.steps[0]?.schema).toEqual(onboarding.steps[0].jsonSchema);
    // HEAD answers the same without a body.
    const head = await client.send("HEAD", "/api/onboarding");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers 404 for an unknown flow, as every other route does", async () => {
    const client = createHttpClient();
    await expectProblem(await client.send("GET", "/offboarding"), 404, "unknown-flow");
  });
});
