import { afterAll, describe, expect, it, vi } from "vitest";
import { createSqliteStore } from "waymark/store/sqlite";
import { createApp } from "../examples/hono/server.ts";
import type { FlowView } from "./support/http-client.ts";
import { personalInfo } from "./support/onboarding-data.ts";

// The Next.js route opens its SQLite file on import: keep it in memory here.
vi.mock("waymark/store/sqlite", async (importOriginal) => {
  const actual = await importOriginal<typeof import("waymark/store/sqlite")>();
  return { ...actual, createSqliteStore: () => actual.createSqliteStore({ path: ":memory:" }) };
});

const origin = "http://example.test";

type Handle = (request: Request) => Promise<Response> | Response;

/** Starts a flow under /api and writes its first step by following the answer's hrefs. */
async function startAndWriteFirstStep(post: Handle, put: Handle): Promise<void> {
  const created = await post(new Request(`${origin}/api/onboarding`, { method: "POST" }));
  expect(created.status, await created.clone().text()).toBe(201);
  expect(created.headers.get("location")).toMatch(/^\/api\/onboarding\/[^/]+$/);
  const flow = (await created.json()) as FlowView;

  const written = await put(
    new Request(new URL(flow.currentStep?.href ?? "", origin), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(personalInfo),
    }),
  );
  expect(written.status, await written.clone().text()).toBe(200);
  const next = (await written.json()) as FlowView;
  expect(next.currentStep?.href).toMatch(/^\/api\/onboarding\/[^/]+\/step\/2$/);
}

describe("the Hono example", () => {
  const store = createSqliteStore({ path: ":memory:" });
  const app = createApp(store);
  const fetch = (request: Request) => app.fetch(request);
  afterAll(() => store.close());

  it("serves the flow under /api, with /api in Location and hrefs", async () => {
    await startAndWriteFirstStep(fetch, fetch);
  });

  it("keeps its own routes and answers 404 outside /api", async () => {
    expect(await (await app.request("/")).text()).toContain("/api/onboarding");
    expect((await app.request("/onboarding", { method: "POST" })).status).toBe(404);
  });
});

describe("the Next.js route handler example", () => {
  it("serves the flow under /api through its exported methods", async () => {
    const route = await import("../examples/nextjs/app/api/[...waymark]/route.ts");
    expect(route.runtime).toBe("nodejs");
    await startAndWriteFirstStep(route.POST, route.PUT);
  });
});
