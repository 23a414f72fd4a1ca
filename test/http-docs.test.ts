import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createOpenApiDocument, createWaymark, defineFlow, type OpenApiDocument } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { createHttpClient, expectProblem } from "./support/http-client.ts";
import { runCli } from "./support/processes.ts";

const swaggerFolder = dirname(
  createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"),
);

describe("GET /openapi.json", () => {
  it("serves the document of the handler's own flows and options, under its base path", async () => {
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });
    const options = {
      flows: [onboarding],
      basePath: "/api",
      maxBodyBytes: 10_000,
      requireIfMatch: true,
      rateLimit: { limit: 50, windowMs: 10_000 },
      openapi: { environment: "testing" },
    };
    const client = createHttpClient({ ...options, tokens });
    const response = await client.send("GET", "/api/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const document = (await response.json()) as OpenApiDocument;
    expect(document).toEqual(
      JSON.parse(
        JSON.stringify(createOpenApiDocument({ ...options, ...options.openapi, tokens: true })),
      ),
    );
    expect(document.servers[0]?.url).toBe("/api");
    expect(document.components.schemas?.FlowId).toMatchObject({ maxLength: 8192 });
    expect((await client.send("GET", "/openapi.json")).status).toBe(404);
  });

  it("answers 304 to its ETag, HEAD without a body, and 405 with Allow to other methods", async () => {
    const client = createHttpClient();
    const first = await client.send("GET", "/openapi.json");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await client.send("GET", "/openapi.json", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const head = await client.send("HEAD", "/openapi.json");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await client.send("POST", "/openapi.json");
    await expectProblem(post, 405, "method-not-allowed");
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("reserves the flow names openapi and docs", () => {
    for (const name of ["openapi", "docs"]) {
      const flow = defineFlow({ name, ttl: "1h" }).step({
        name: "one",
        schema: z.strictObject({ a: z.string().max(1) }),
      });
      expect(() => createWaymark({ flows: [flow], store: createMemoryStore() })).toThrow(
        `flow "${name}": the name is reserved`,
      );
    }
  });
});

describe("GET /docs", () => {
  it("is off unless asked for", async () => {
    const client = createHttpClient();
    await expectProblem(await client.send("GET", "/docs"), 404, "route-not-found");
  });

  it("answers a page that loads only its own assets, under a strict Content-Security-Policy", async () => {
    const client = createHttpClient({ docs: true, basePath: "/api" });
    for (const path of ["/api/docs", "/api/docs/"]) {
      const response = await client.send("GET", path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self';");
      expect(policy).not.toContain("unsafe");
      const html = await response.text();
      const links = [...html.matchAll(/(?:src|href|content)="([^"]*)"/g)].map((m) => m[1]);
      expect(links).toEqual([
        "width=device-width, initial-scale=1",
        "data:,",
        "/api/openapi.json",
        "/api/docs/swagger-ui.css",
        "/api/docs/swagger-ui-bundle.js",
        "/api/docs/start.js",
      ]);
      expect(html).toContain("<title>Onboarding API</title>");
    }
  });

  it("serves Swagger UI's own files and the starter script, with ETags", async () => {
    const client = createHttpClient({ docs: true });
    for (const [file, type] of [
      ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
      ["swagger-ui.css", "text/css; charset=utf-8"],
    ] as const) {
      const response = await client.send("GET", `/docs/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(type);
      expect(await response.text()).toBe(await readFile(join(swaggerFolder, file), "utf8"));
      const etag = response.headers.get("etag") ?? "";
      const again = await client.send("GET", `/docs/${file}`, {
        headers: { "if-none-match": etag },
      });
      expect(again.status).toBe(304);
    }
    const starter = await client.send("GET", "/docs/start.js");
    expect(await starter.text()).toContain("SwaggerUIBundle({");
    await expectProblem(await client.send("PUT", "/docs/start.js"), 405, "method-not-allowed");
    await expectProblem(await client.send("GET", "/docs/index.html"), 404, "route-not-found");
  });
});

describe("waymark openapi", () => {
  it("prints the document of a flow file, under a base path, in token mode", async () => {
    const { code, stdout, stderr } = await runCli(
      ["openapi", "--flows", "examples/onboarding/flow.ts", "--base-path", "/api", "--token"],
      { NODE_ENV: "production", WAYMARK_RATE_LIMIT: "off" },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as OpenApiDocument;
    expect(document).toEqual(
      JSON.parse(
        JSON.stringify(
          createOpenApiDocument({
            flows: [onboarding],
            basePath: "/api",
            tokens: true,
            environment: "production",
          }),
        ),
      ),
    );
  });

  it("documents the rate limit and CORS that serve would apply, and refuses a bad base path", async () => {
    const env = { WAYMARK_RATE_LIMIT: "10/1s", WAYMARK_CORS_ORIGINS: "https://app.example.com" };
    const printed = await runCli(["openapi", "--flows", "examples/onboarding/flow.ts"], env);
    expect(printed.code).toBe(0);
    const document = JSON.parse(printed.stdout) as OpenApiDocument;
    const text = JSON.stringify(document);
    expect(text).toContain('"enum":["10;w=1"]');
    expect(text).toContain('"enum":["https://app.example.com"]');
    const refused = await runCli([
      "openapi",
      "--flows",
      "examples/onboarding/flow.ts",
      "--base-path",
      "api/",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^waymark: basePath "api\/" must be/);
  });

  // A flow serve refuses to serve (a reserved name) is no document either.
  it("refuses a flow file that serve would refuse, naming the flow", async () => {
    const refused = await runCli(["openapi", "--flows", "test/fixtures/reserved-name-flow.ts"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain('flow "healthz": the name is reserved');
  });
});
