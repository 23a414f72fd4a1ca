import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";
import type { OpenApiDocument } from "./openapi.ts";
import { methodNotAllowed } from "./problem.ts";
import { htmlPage, type StaticFile, serveStatic, staticFile } from "./static-file.ts";

/** A file ready to serve, with a strong ETag from its content. */
/**
 * The docs page runs Swagger UI's bundle from this server and fetches only the document
 * (and, with "Try it out", the API itself): no CDN, no inline script or style. Swagger
 * UI's stylesheet embeds its icons as data: URLs.
 */
const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

/** Starts Swagger UI on the document named in the page's `waymark-openapi` meta tag. */
const starter = `const url = document.querySelector('meta[name="waymark-openapi"]').content;
window.ui = SwaggerUIBundle({
  url,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

/** Swagger UI's files, read once on the first request for them, by any handler. */
let swaggerFiles: Promise<{ script: StaticFile; style: StaticFile }> | undefined;

function loadSwaggerFiles(): Promise<{ script: StaticFile; style: StaticFile }> {
  swaggerFiles ??= (async () => {
    const folder = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    const [script, style] = await Promise.all([
      readFile(join(folder, "swagger-ui-bundle.js"), "utf8"),
      readFile(join(folder, "swagger-ui.css"), "utf8"),
    ]);
    return {
      script: staticFile(script, "text/javascript; charset=utf-8"),
      style: staticFile(style, "text/css; charset=utf-8"),
    };
  })().catch((error: unknown) => {
    swaggerFiles = undefined;
    throw error;
  });
  return swaggerFiles;
}

/**
 * `GET /openapi.json`, the published OpenAPI document, built on first use; and,
 * with `docs`, `GET /docs`: a page that renders it with Swagger UI (swagger-ui-dist),
 * whose files it serves under `/docs/`. Links are absolute paths under `base`.
 */
export function apiDocsRoutes(options: {
  document: () => OpenApiDocument;
  base: string;
  docs: boolean;
}): Hono {
  const { base } = options;
  const app = new Hono();
  let document: OpenApiDocument | undefined;
  let published: StaticFile | undefined;
  const documentOf = () => {
    document ??= options.document();
    return document;
  };

  app.get("/openapi.json", (c) => {
    published ??= staticFile(JSON.stringify(documentOf()), "application/json");
    return serveStatic(c.req.raw, published);
  });
  app.all("/openapi.json", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  if (!options.docs) return app;

  const starterScript = staticFile(starter, "text/javascript; charset=utf-8");
  app.get("/docs", (c) => c.body(page(documentOf().info.title, base), 200, pageHeaders));
  app.get("/docs/swagger-ui-bundle.js", async (c) =>
    serveStatic(c.req.raw, (await loadSwaggerFiles()).script),
  );
  app.get("/docs/swagger-ui.css", async (c) =>
    serveStatic(c.req.raw, (await loadSwaggerFiles()).style),
  );
  app.get("/docs/start.js", (c) => serveStatic(c.req.raw, starterScript));
  app.all("/docs/:file{(swagger-ui-bundle\\.js|swagger-ui\\.css|start\\.js)}", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  app.all("/docs", () => {
    throw methodNotAllowed("GET, HEAD");
  });
  return app;
}

function page(title: string, base: string): string {
  return htmlPage(
    title,
    `<meta name="waymark-openapi" content="${base}/openapi.json">
<link rel="stylesheet" href="${base}/docs/swagger-ui.css">`,
    `<main id="swagger-ui"></main>
<script src="${base}/docs/swagger-ui-bundle.js"></script>
<script src="${base}/docs/start.js"></script>`,
  );
}
