// Waymark inside a Hono app: the app keeps its own routes, Waymark answers under /api.
// Run: npx tsx examples/hono/server.ts
// Then: curl -i -X POST http://localhost:3000/api/onboarding
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createWaymark, type FlowStore } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../onboarding/flow.ts";

/** The host app, with Waymark's onboarding flow at `/api/onboarding`. */
export function createApp(store: FlowStore): Hono {
  const waymark = createWaymark({ flows: [onboarding], store, basePath: "/api" });
  const app = new Hono();
  app.get("/", (c) => c.text("Start a flow with POST /api/onboarding"));
  // The untouched request, not `app.mount()` (which strips "/api" from the path): with
  // basePath "/api", Waymark routes on the full path and its Location and hrefs keep it.
  app.all("/api/*", (c) => waymark.fetch(c.req.raw));
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const app = createApp(createSqliteStore({ path: "./waymark.db" }));
  serve({ fetch: app.fetch, port: 3000 }, ({ port }) => console.log(`http://localhost:${port}`));
}
