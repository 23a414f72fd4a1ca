import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import { expectProblem, origin } from "./support/http-client.ts";

// Guards reserved names: with their feature off, `/metrics` answered 404 unknown-flow,
// "There is no flow named "metrics"", as if the address were a flow's.
describe("reserved addresses whose feature is off, or that nothing serves", () => {
  // Every feature off: no metrics, no operator token, no docs, no wizard.
  const waymark = createWaymark({
    flows: [onboarding],
    store: createMemoryStore(),
    metrics: false,
  });
  const call = (method: string, path: string) =>
    waymark.fetch(new Request(`${origin}${path}`, { method }));

  it.each([
    ["GET", "/metrics"],
    ["GET", "/metrics/anything"],
    ["POST", "/metrics"],
    ["GET", "/admin"],
    ["GET", "/admin/funnel"],
    ["GET", "/docs"],
    ["GET", "/docs/start.js"],
    ["GET", "/wizard"],
    ["GET", "/wizard/onboarding"],
    ["GET", "/openapi"],
    ["PUT", "/openapi/x/step/1"],
    ["GET", "/healthz/x"],
    ["DELETE", "/readyz/x"],
    ["GET", "/%6Detrics"],
  ])("%s %s answers 404 route-not-found", async (method, path) => {
    const problem = await expectProblem(await call(method, path), 404, "route-not-found");
    expect(problem.detail).toBe("There is nothing at this address");
  });

  it("still serves what is on, and still speaks of flows at a flow's address", async () => {
    expect((await call("GET", "/openapi.json")).status).toBe(200);
    expect((await call("GET", "/healthz")).status).toBe(200);
    await expectProblem(await call("POST", "/healthz"), 405, "method-not-allowed");
    await expectProblem(await call("GET", "/signup"), 404, "unknown-flow");
    expect((await call("GET", "/onboarding")).status).toBe(200);
  });

  it("answers the same under a base path", async () => {
    const mounted = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      metrics: false,
      basePath: "/api",
    });
    const response = await mounted.fetch(new Request(`${origin}/api/metrics`));
    await expectProblem(response, 404, "route-not-found");
  });
});
