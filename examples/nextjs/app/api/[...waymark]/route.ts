// Waymark in a Next.js App Router app: this catch-all route handler answers /api/*.
// In your Next.js app, put this file at app/api/[...waymark]/route.ts with your own
// flows, run `next dev`, then: curl -i -X POST http://localhost:3000/api/onboarding
import { createWaymark } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../../../../onboarding/flow.ts";

/** Node.js, not the Edge runtime: the SQLite store is a native module. */
export const runtime = "nodejs";
/** Every answer comes from the store: nothing to prerender or cache. */
export const dynamic = "force-dynamic";

const waymark = createWaymark({
  flows: [onboarding],
  store: createSqliteStore({ path: "./waymark.db" }),
  // The folder this route sits in: Waymark sees the full path, and its Location and
  // hrefs include the prefix.
  basePath: "/api",
});

/** Next.js hands route handlers a Web `Request` and sends the `Response` back as is. */
function handle(request: Request): Promise<Response> {
  return waymark.fetch(request);
}

export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PUT = handle;
export const DELETE = handle;
