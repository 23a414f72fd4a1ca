import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type FlowView,
  personalInfo,
  review,
} from "./support/http-client.ts";

describe("HTTP under a basePath", () => {
  it("puts the base path in Location and every href, and a walk by links completes", async () => {
    const client = createHttpClient({ basePath: "/api/v1" });
    const created = await client.send("POST", "/api/v1/onboarding");
    expect(created.status).toBe(201);
    const location = created.headers.get("location") ?? "";
    expect(location).toMatch(/^\/api\/v1\/onboarding\/[\w-]+$/);

    let flow = (await created.json()) as FlowView;
    for (const data of [personalInfo, employeeContract, review]) {
      const hrefs = [flow.links.self.href, ...flow.steps.map((step) => step.href)];
      expect(hrefs.every((href) => href.startsWith(`${location}`))).toBe(true);
      const href = flow.currentStep?.href ?? "";
      expect(href.startsWith("/api/v1/onboarding/")).toBe(true);
      const response = await client.send("PUT", href, { json: data });
      expect(response.status).toBe(200);
      flow = (await response.json()) as FlowView;
    }
    expect(flow.status).toBe("completed");
    const step = (await (await client.send("GET", flow.steps[0]?.href ?? "")).json()) as {
      links: { flow: { href: string } };
    };
    expect(step.links.flow.href).toBe(location);
  });

  it("answers 404 outside the base path, and the health checks inside it", async () => {
    const client = createHttpClient({ basePath: "/api" });
    await expectProblem(await client.send("POST", "/onboarding"), 404, "route-not-found");
    expect((await client.send("GET", "/api/healthz")).status).toBe(200);
    expect((await client.send("GET", "/healthz")).status).toBe(404);
  });

  it("treats '' and '/' as no base path", async () => {
    for (const basePath of ["", "/"]) {
      const client = createHttpClient({ basePath });
      const created = await client.send("POST", "/onboarding");
      expect(created.headers.get("location")).toMatch(/^\/onboarding\//);
    }
  });

  it.each(["api", "/api/", "/a b", "/api?x", "//api", "/api/../x"])(
    "refuses the malformed base path %j when created",
    (basePath) => {
      expect(() =>
        createWaymark({ flows: [onboarding], store: createMemoryStore(), basePath }),
      ).toThrow(/basePath/);
    },
  );
});
