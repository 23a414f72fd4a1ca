import { describe, expect, it } from "vitest";
import {
  type AccessPolicy,
  createOpenApiDocument,
  defineFlow,
  type OpenApiDocument,
} from "waymark";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import { claim, profile } from "./fixtures/openapi-access-flows.ts";
import {
  type FoundOperation,
  type Json,
  operationsOf,
  parametersOf,
  problemCodes,
  resolve,
  responsesOf,
} from "./support/openapi-document.ts";

/** "personal-info" → "PersonalInfo", written apart from the code under test. */
const pascal = (name: string) =>
  name.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const camel = (name: string) => pascal(name).replace(/^./, (c) => c.toLowerCase());

const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });

function operation(document: OpenApiDocument, path: string, method: string): Json {
  const found = document.paths[path]?.[method] as Json | undefined;
  if (!found) throw new Error(`no ${method} ${path} in the document`);
  return found;
}

/** The schema of a response's body, resolved. */
function bodySchema(document: OpenApiDocument, response: Json | undefined): Json {
  const content = response?.content as Record<string, { schema: Json }>;
  const [media] = Object.values(content);
  return resolve(document, media?.schema ?? {}).value;
}

/** Problem codes an operation documents, by status. */
function problemsOf(document: OpenApiDocument, op: Json): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(responsesOf(document, op))
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => [status, problemCodes(response)]),
  );
}

describe("OpenAPI document: operations", () => {
  it("gives each step a PUT taking its JSON Schema and a GET, by name, for every flow", () => {
    const document = createOpenApiDocument({ flows: [onboarding, claim] });
    for (const flow of [onboarding, claim]) {
      for (const step of flow.steps) {
        const path = `/${flow.name}/{flowId}/step/${step.name}`;
        const put = operation(document, path, "put");
        const content = (put.requestBody as { content: Record<string, { schema: Json }> }).content;
        const sent = resolve(document, content["application/json"]?.schema ?? {}).value;
        // The step's own keywords all stand; only bounds it lacked are added.
        const { $schema: _, ...own } = step.jsonSchema;
        expect(sent).toMatchObject(own);
        expect(put.description).toContain(`…/step/${step.number}`);
        expect(put.description).toContain(`{ "${camel(step.name)}": { … } }`);
        const read = bodySchema(
          document,
          responsesOf(document, operation(document, path, "get"))[200],
        );
        expect((read.properties as Json).name).toEqual({ type: "string", const: step.name });
      }
    }
    const stepPaths = Object.keys(document.paths).filter((path) => path.includes("/step/"));
    expect(stepPaths).toHaveLength(onboarding.steps.length + claim.steps.length);
  });

  it("describes, starts, reads and erases each flow, with camelCase operation ids that are unique", () => {
    const document = createOpenApiDocument({ flows: [onboarding, claim, profile] });
    const ids = operationsOf(document).map((found) => String(found.operation.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    for (const flow of [onboarding, claim, profile]) {
      const stem = pascal(flow.name);
      expect(operation(document, `/${flow.name}`, "get").operationId).toBe(`describe${stem}`);
      expect(operation(document, `/${flow.name}`, "post").operationId).toBe(`start${stem}`);
      expect(operation(document, `/${flow.name}/{flowId}`, "get").operationId).toBe(`get${stem}`);
      expect(operation(document, `/${flow.name}/{flowId}`, "delete").operationId).toBe(
        `delete${stem}`,
      );
      for (const step of flow.steps) {
        const path = `/${flow.name}/{flowId}/step/${step.name}`;
        expect(operation(document, path, "put").operationId).toBe(
          `submit${stem}${pascal(step.name)}`,
        );
        expect(operation(document, path, "get").operationId).toBe(
          `get${stem}${pascal(step.name)}Step`,
        );
      }
    }
    expect(ids).toContain("submitOnboardingPersonalInfo");
    expect(ids).toContain("getOnboardingPersonalInfoStep");
    expect(ids).toContain("recoverOnboarding");
    // The history only where it is served: on by default for the secret and authorize
    // flows, off for the capability onboarding.
    expect(ids).toEqual(expect.arrayContaining(["getClaimHistory", "getProfileHistory"]));
    expect(ids).not.toContain("getOnboardingHistory");
    expect(ids).toEqual(
      expect.arrayContaining(["followOnboarding", "followClaim", "followProfile"]),
    );
    // Per flow: describe, start, read, erase, recover and follow; per step: submit and read.
    expect(ids).toHaveLength(
      3 * 6 + 2 + 2 * (onboarding.steps.length + claim.steps.length + profile.steps.length),
    );
  });

  it("keys a flow's data by its step names, with what each step saves", () => {
    const document = createOpenApiDocument({ flows: [claim] });
    const flow = bodySchema(
      document,
      responsesOf(document, operation(document, "/claim/{flowId}", "get"))[200],
    );
    const data = resolve(document, (flow.properties as Record<string, Json>).data ?? {}).value;
    expect(Object.keys(data.properties as Json)).toEqual(claim.steps.map((step) => step.name));
    expect(data.additionalProperties).toBe(false);
    // `urgent` has a default: what is sent may leave it out, what is saved has it.
    const incident = resolve(
      document,
      (data.properties as Record<string, Json>).incident ?? {},
    ).value;
    expect(incident.required).toContain("urgent");
    const sent = incidentBody(document);
    expect(sent.required).not.toContain("urgent");
  });

  it("describes the newest version and widens representations to the older ones served", () => {
    const v1 = defineFlow({ name: "survey", version: 1, ttl: "1h" }).step({
      name: "rating",
      schema: z.strictObject({ stars: z.int().min(1).max(5) }),
    });
    const v2 = defineFlow({ name: "survey", version: 2, ttl: "1h" })
      .step({ name: "rating", schema: z.strictObject({ stars: z.int().min(1).max(5) }) })
      .step({ name: "comment", schema: z.strictObject({ text: z.string().max(500) }) });
    const document = createOpenApiDocument({ flows: [v2, v1] });
    const description = bodySchema(
      document,
      responsesOf(document, operation(document, "/survey", "get"))[200],
    );
    expect((description.properties as Record<string, Json>).definitionVersion).toMatchObject({
      minimum: 2,
      maximum: 2,
    });
    const flow = bodySchema(
      document,
      responsesOf(document, operation(document, "/survey/{flowId}", "get"))[200],
    );
    expect((flow.properties as Record<string, Json>).definitionVersion).toMatchObject({
      minimum: 1,
      maximum: 2,
    });
    // A flow on version 1 has no "comment" step.
    const comment = operation(document, "/survey/{flowId}/step/comment", "put");
    expect(problemsOf(document, comment)[404]).toContain("step-not-found");
    const rating = operation(document, "/survey/{flowId}/step/rating", "put");
    expect(problemsOf(document, rating)[404]).not.toContain("step-not-found");
  });
});

describe("OpenAPI document: problems", () => {
  it("lists each operation's problems by status, as the route and its use case raise them", () => {
    const document = createOpenApiDocument({ flows: [onboarding] });
    const put = (step: string) =>
      problemsOf(document, operation(document, `/onboarding/{flowId}/step/${step}`, "put"));
    expect(put("contract-details")).toMatchObject({
      400: ["bad-request", "invalid-json"],
      404: ["flow-not-found"],
      410: ["flow-expired", "definition-retired"],
      412: ["precondition-failed"],
      413: ["body-too-large"],
      415: ["unsupported-media-type"],
      422: ["invalid-step-data"],
      503: ["store-unavailable"],
    });
    expect(put("contract-details")[409]?.sort()).toEqual(
      ["concurrent-update", "flow-completed", "step-out-of-order"].sort(),
    );
    // Only a step with `when` can be skipped; the first step never waits for another.
    expect(put("company-details")[409]).toContain("step-not-applicable");
    expect(put("personal-info")[409]).not.toContain("step-out-of-order");
    expect(put("personal-info")[428]).toBeUndefined();
    const start = problemsOf(document, operation(document, "/onboarding", "post"));
    expect(start[400]).toEqual(expect.arrayContaining(["invalid-json", "invalid-idempotency-key"]));
    expect(start[409]).toEqual(expect.arrayContaining(["idempotency-key-in-flight"]));
    expect(start[422]).toEqual(["idempotency-key-reused"]);
    const erase = problemsOf(document, operation(document, "/onboarding/{flowId}", "delete"));
    expect(erase[410]).toBeUndefined();
    expect(erase[500]).toEqual(["internal-error"]);
    for (const found of operationsOf(document)) {
      expect(problemsOf(document, found.operation)[500]).toContain("internal-error");
      expect(problemsOf(document, found.operation)[429]).toBeUndefined();
      // What the Node server answers for any request, before it reaches a route.
      expect(problemsOf(document, found.operation)).toMatchObject({
        408: ["request-timeout"],
        417: ["expectation-failed"],
        431: ["headers-too-large"],
      });
    }
  });

  it("in token mode: tokens that do not open, tokens too large, Idempotency-Key refused, no store", () => {
    const document = createOpenApiDocument({ flows: [onboarding], tokens, requireIfMatch: true });
    const put = problemsOf(
      document,
      operation(document, "/onboarding/{flowId}/step/review", "put"),
    );
    expect(put[404]).toEqual(expect.arrayContaining(["flow-not-found", "invalid-flow-token"]));
    expect(put[422]).toEqual(expect.arrayContaining(["invalid-step-data", "token-too-large"]));
    expect(put[428]).toEqual(["precondition-required"]);
    expect(put[409]).not.toContain("concurrent-update");
    const start = problemsOf(document, operation(document, "/onboarding", "post"));
    expect(start[400]).toContain("idempotency-key-unsupported");
    // The flow id is the state: nothing on the server to follow.
    expect(document.paths["/onboarding/{flowId}/events"]).toBeUndefined();
    expect(document.components.parameters).not.toHaveProperty("LastEventId");
    for (const found of operationsOf(document)) {
      expect(problemsOf(document, found.operation)[503]).toBeUndefined();
    }
  });

  it("documents every problem code in the Problem schema's titles and types", () => {
    const document = createOpenApiDocument({ flows: [onboarding] });
    const problem = document.components.schemas?.Problem as { properties: Record<string, Json> };
    expect(problem.properties.type?.pattern).toBe("^urn:waymark:problem:[a-z-]+$");
    for (const found of operationsOf(document)) {
      for (const [status, response] of Object.entries(responsesOf(document, found.operation))) {
        if (Number(status) < 400) continue;
        const content = response.content as Record<string, { schema: { allOf: Json[] } }>;
        const [shared, own] = content["application/problem+json"]?.schema.allOf ?? [];
        expect(shared).toEqual({ $ref: "#/components/schemas/Problem" });
        expect(own?.properties).toMatchObject({ status: { const: Number(status) } });
      }
    }
  });
});

describe("OpenAPI document: headers and limits", () => {
  /** Every header a response of the document declares, with where. */
  function headers(document: OpenApiDocument) {
    return operationsOf(document).flatMap((found) =>
      Object.entries(responsesOf(document, found.operation)).map(([status, response]) => ({
        found,
        status: Number(status),
        names: Object.keys((response.headers ?? {}) as Json),
        headers: (response.headers ?? {}) as Record<string, Json>,
      })),
    );
  }

  it("documents ETag, Location, Retry-After and the conditional and idempotency headers", () => {
    const document = createOpenApiDocument({ flows: [onboarding] });
    const started = responsesOf(document, operation(document, "/onboarding", "post"));
    expect(started[201]?.headers).toMatchObject({
      Location: { required: true },
      ETag: { required: true },
    });
    expect(started[409]?.headers).toMatchObject({ "Retry-After": { required: false } });
    expect(started[503]?.headers).toMatchObject({ "Retry-After": { required: true } });
    const names = (found: FoundOperation) => parametersOf(document, found).map((p) => p.name);
    for (const found of operationsOf(document)) {
      const responses = responsesOf(document, found.operation);
      if (found.method === "post" && found.path.endsWith("/recover")) {
        expect(names(found)).toEqual(["flowId", "If-Match", "If-None-Match", "Accept-Language"]);
      } else if (found.method === "post") {
        expect(names(found)).toEqual(["Idempotency-Key", "Accept-Language"]);
      } else if (found.path === "/onboarding") expect(names(found)).toEqual(["Accept-Language"]);
      else if (found.path.endsWith("/events")) {
        expect(names(found)).toEqual(["flowId", "Last-Event-ID", "Accept-Language"]);
        expect(Object.keys(responses[200]?.content as object)).toEqual(["text/event-stream"]);
        expect(responses[503]?.headers).toMatchObject({ "Retry-After": { required: true } });
        continue;
      } else {
        expect(names(found)).toEqual(["flowId", "If-Match", "If-None-Match", "Accept-Language"]);
      }
      if (found.method === "get" && found.path !== "/onboarding") {
        expect(responses[200]?.headers).toHaveProperty("ETag");
        expect(responses[304]?.headers).toHaveProperty("ETag");
      }
      if (found.method === "put") {
        expect(responses[200]?.headers).toHaveProperty("ETag");
        expect(responses[200]?.headers).not.toHaveProperty("Location");
      }
    }
    const sealed = createOpenApiDocument({ flows: [onboarding], tokens });
    const put = responsesOf(sealed, operation(sealed, "/onboarding/{flowId}/step/review", "put"));
    expect(put[200]?.headers).toMatchObject({ Location: { required: false } });
  });

  it("claims no rate limit or CORS header unless those options are set", () => {
    const bare = createOpenApiDocument({ flows: [onboarding] });
    for (const { names } of headers(bare)) {
      expect(names).not.toContain("RateLimit");
      expect(names).not.toContain("Access-Control-Allow-Origin");
    }
    expect(JSON.stringify(bare)).not.toMatch(/RateLimit|Access-Control|rate-limited/);
  });

  it("with rateLimit and cors: RateLimit headers on 2xx and 4xx, 429 everywhere, the origin on every response", () => {
    const document = createOpenApiDocument({
      flows: [onboarding],
      rateLimit: { limit: 120, windowMs: 30_000 },
      cors: { origins: ["https://app.example.com"] },
    });
    for (const { status, headers: found } of headers(document)) {
      const family = Math.floor(status / 100);
      if (family === 2 || family === 4) {
        // The Node server answers these itself, before the limiter: a request it cannot
        // parse, too slow, with a body declared too large before its upload, an unknown
        // expectation, too many or too large headers.
        const byNode = [400, 408, 413, 417, 431].includes(status);
        expect(found.RateLimit, String(status)).toMatchObject({ required: !byNode });
        expect(found["RateLimit-Policy"]?.schema).toEqual({ type: "string", enum: ["120;w=30"] });
      }
      expect(found["Access-Control-Allow-Origin"]).toMatchObject({
        required: false,
        schema: { enum: ["https://app.example.com"] },
      });
    }
    for (const found of operationsOf(document)) {
      const limited = responsesOf(document, found.operation)[429];
      expect(problemCodes(limited ?? {})).toEqual(["rate-limited"]);
      expect(limited?.headers).toMatchObject({ "Retry-After": { required: true } });
    }
  });

  it("bounds flow ids by the mode, and step strings and arrays by the body limit where they set none", () => {
    const stored = createOpenApiDocument({ flows: [claim], maxBodyBytes: 1000 });
    expect(stored.components.schemas?.FlowId).toMatchObject({
      maxLength: 12_288,
      pattern: "^[A-Za-z0-9_.-]+$",
    });
    const sealed = createOpenApiDocument({ flows: [claim], tokens: { maxTokenBytes: 4000 } });
    expect(sealed.components.schemas?.FlowId).toMatchObject({ maxLength: 4000 });
    // A token mode built with its own limit is described with it.
    const keyring = parseKeyring(generateKeyEntry("k1"));
    const tokens = createTokenMode({ keyring, maxTokenBytes: 3000 });
    const served = createOpenApiDocument({ flows: [claim], tokens });
    expect(served.components.schemas?.FlowId).toMatchObject({ maxLength: 3000 });
    const body = incidentBody(stored);
    const properties = body.properties as Record<string, Json>;
    expect(properties.summary).toMatchObject({
      minLength: 1,
      maxLength: 998,
      pattern: "^[^\\u0000]*$",
    });
    expect(properties.items).toMatchObject({ maxItems: 499 });
    const item = (properties.items?.items as { properties: Record<string, Json> } | undefined)
      ?.properties;
    expect(item?.name).toMatchObject({ maxLength: 100 });
    expect(item?.value).toMatchObject({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      format: "int64",
    });
  });
});

describe("OpenAPI document: security and servers", () => {
  it("capability flows name no scheme; secret flows a bearer flowSecret after the start; authorize flows the policy's scheme", () => {
    const document = createOpenApiDocument({ flows: [onboarding, claim, profile] });
    const schemes = document.components.securitySchemes as Record<string, Json>;
    expect(schemes.flowSecret).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.values(schemes)).toContainEqual((profile.access as AccessPolicy).securityScheme);
    for (const found of operationsOf(document)) {
      const [, flow] = found.path.split("/");
      const describes = found.path === `/${flow}`;
      const starts = describes && found.method === "post";
      const security = found.operation.security as Json[] | undefined;
      if (flow === "onboarding" && !(describes && !starts)) {
        expect(security, `${found.method} ${found.path}`).toBeUndefined();
        expect(found.operation.description).toContain("No security scheme");
      } else if ((describes && !starts) || (flow === "claim" && starts)) {
        // Public by design: declared anonymous.
        expect(security, `${found.method} ${found.path}`).toEqual([{}]);
        expect(found.operation.description).toContain("**Public**");
      } else if (flow === "claim") {
        expect(security).toEqual([{ flowSecret: [] }]);
      } else {
        expect(security).toHaveLength(1);
        expect(schemes[Object.keys(security?.[0] ?? {})[0] ?? ""]).toMatchObject({ in: "cookie" });
      }
    }
    const started = bodySchema(
      document,
      responsesOf(document, operation(document, "/claim", "post"))[201],
    );
    expect(started.required).toContain("flowSecret");
    const read = bodySchema(
      document,
      responsesOf(document, operation(document, "/claim/{flowId}", "get"))[200],
    );
    expect(read.required).not.toContain("flowSecret");
  });

  it("serves from the base path, as a relative URL of a public server, with paths below it", () => {
    const document = createOpenApiDocument({
      flows: [onboarding],
      basePath: "/api/v1",
      environment: "staging",
    });
    expect(document.servers).toEqual([
      { url: "/api/v1", description: expect.stringMatching(/^Staging\b/), "x-internal": false },
    ]);
    expect(Object.keys(document.paths).every((path) => path.startsWith("/onboarding"))).toBe(true);
    const description = bodySchema(
      document,
      responsesOf(document, operation(document, "/onboarding", "get"))[200],
    );
    const links = (description.properties as Record<string, Json>).links as {
      properties: { start: { properties: Json } };
    };
    expect(links.properties.start.properties.href).toEqual({
      type: "string",
      const: "/api/v1/onboarding",
    });
    expect(createOpenApiDocument({ flows: [onboarding] }).servers[0]?.url).toBe("/");
    expect(() => createOpenApiDocument({ flows: [onboarding], basePath: "api/" })).toThrow(
      /basePath/,
    );
  });

  it("takes the title, version, description and contact it is given", () => {
    const document = createOpenApiDocument({
      flows: [onboarding, claim],
      info: { title: "Acme flows", contact: { email: "api@example.com" } },
    });
    expect(document.info).toMatchObject({
      title: "Acme flows",
      version: `onboarding@${onboarding.version}, claim@${claim.version}`,
      contact: { email: "api@example.com" },
    });
    expect(createOpenApiDocument({ flows: [onboarding] }).info.title).toBe(
      `${onboarding.title} API`,
    );
  });
});

/** The request body schema of the claim flow's `incident` step, its `$ref` followed. */
function incidentBody(document: OpenApiDocument): Json {
  const body = operation(document, "/claim/{flowId}/step/incident", "put").requestBody as Json;
  const content = body.content as Record<string, { schema: Json }>;
  return resolve(document, content["application/json"]?.schema ?? {}).value;
}
