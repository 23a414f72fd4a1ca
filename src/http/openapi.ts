import { createRegistry } from "../flow/registry.ts";
import type { FlowDefinition } from "../flow/types.ts";
import type { TokenMode } from "../token/mode.ts";
import { settleBasePath } from "./base-path.ts";
import type { CorsOptions } from "./cors.ts";
import { flowSchemas } from "./openapi-flow-schemas.ts";
import {
  type Contract,
  collectFlows,
  type FlowFacts,
  pascal,
  type Schema,
  type StepFacts,
  unique,
} from "./openapi-flows.ts";
import { operation } from "./openapi-operations.ts";
import { parameters } from "./openapi-parameters.ts";
import type { OperationKind } from "./openapi-responses.ts";
import { sharedSchemas } from "./openapi-schemas.ts";
import type { RateLimitOptions } from "./rate-limit.ts";

/**
 * What the published document says about the API beyond the flows: `info` members to
 * use instead of the generated ones, and the environment the server runs in.
 *
 * @example { info: { contact: { email: "api@example.com" } }, environment: "staging" }
 */
export interface OpenApiSettings {
  /** Replaces the generated title, version or description; adds a contact. */
  info?:
    | {
        title?: string | undefined;
        version?: string | undefined;
        description?: string | undefined;
        contact?: { name?: string; url?: string; email?: string } | undefined;
      }
    | undefined;
  /**
   * Where the server runs, named in the server's description: `production`, `staging`,
   * `local development`…
   * @default "production"
   */
  environment?: string | undefined;
}

/**
 * Options of {@link createOpenApiDocument}: the flows, and each handler option that
 * changes the contract. `createWaymark`'s own options fit as they are.
 *
 * @example { flows: [onboarding], basePath: "/api", rateLimit: { limit: 600, windowMs: 60_000 } }
 */
export interface OpenApiOptions extends OpenApiSettings {
  /** The flows served; of several versions of one flow, the newest is described. */
  flows: readonly FlowDefinition[];
  /** Where the handler is mounted: `""` or a path such as `"/api"`. @default "" */
  basePath?: string | undefined;
  /**
   * Token mode: flow ids are sealed flows. The `TokenMode` itself, `true`, or its
   * `maxTokenBytes` (@default 8192) when that is not the default.
   */
  tokens?: TokenMode | { readonly maxTokenBytes?: number | undefined } | boolean | undefined;
  /** Largest request body, in bytes. @default 65536 */
  maxBodyBytes?: number | undefined;
  /** The webhook receivers: in token mode, a completing write can then answer 503 `delivery-unavailable`. */
  webhooks?: readonly unknown[] | undefined;
  /** Strict mode: a step write without `If-Match` answers 428. @default false */
  requireIfMatch?: boolean | undefined;
  /** The rate limit: documents the `RateLimit` headers and 429 on every operation. */
  rateLimit?: RateLimitOptions | undefined;
  /** CORS: documents `Access-Control-Allow-Origin` on every response. */
  cors?: CorsOptions | undefined;
}

/**
 * An OpenAPI 3.1 document: plain JSON, ready for `JSON.stringify`.
 * @example createOpenApiDocument({ flows: [onboarding] }).paths["/onboarding"]?.post
 */
export interface OpenApiDocument {
  openapi: "3.1.1";
  info: { title: string; version: string; description: string; [member: string]: unknown };
  servers: Array<{ url: string; description: string; "x-internal": boolean }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

/** Longest id a path takes in store mode: the use cases refuse longer ones unread. */
const maxStoreIdLength = 12_288;

/**
 * The OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.1) of the API that
 * `createWaymark` serves for these flows and options, generated from the definitions:
 *
 * - for each flow (its newest version), `GET /{flow}` (describe), `POST /{flow}`
 *   (start), `GET` and `DELETE /{flow}/{flowId}`, and per step `PUT` and `GET
 *   /{flow}/{flowId}/step/{step-name}` with the step's JSON Schema (2020-12) as the body,
 *   and, but in token mode, `GET /{flow}/{flowId}/events` (live updates, `text/event-stream`);
 * - component schemas for each flow's representation (its `data` keyed by step name),
 *   step representations, description, and the RFC 9457 problem document;
 * - every problem each operation can answer, by status, with its `urn:waymark:problem:*`
 *   types; `ETag`, `Location`, `Retry-After`, `If-Match`, `If-None-Match` and
 *   `Idempotency-Key`; and, when the options set them, the rate limit's headers and 429,
 *   and `Access-Control-Allow-Origin`;
 * - security from each flow's `access`: none for `capability` (the flow id is the
 *   credential), a bearer scheme for `secret` (the `flowSecret`), the policy's
 *   `securityScheme` for `authorize`;
 * - `servers`: the base path, relative to where the document is fetched.
 *
 * Strings, arrays and integers carry limits throughout; where a step's schema states
 * none, the server's own (the body limit, no U+0000, the I-JSON integer range) are
 * stated. `createWaymark` serves this document at `{basePath}/openapi.json`.
 *
 * @throws Error for a malformed `basePath`, or flows `createWaymark` would refuse too (a
 * reserved name, a version defined twice).
 * @example
 * const document = createOpenApiDocument({ flows: [onboarding], basePath: "/api" });
 * document.paths["/onboarding/{flowId}/step/personal-info"]?.put // submitOnboardingPersonalInfo
 */
export function createOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const base = settleBasePath(options.basePath);
  // What the server would refuse to serve, the document refuses to describe.
  createRegistry(options.flows);
  const token = Boolean(options.tokens);
  const maxTokenBytes = tokenLimit(options.tokens);
  const maxIdLength = token ? maxTokenBytes : maxStoreIdLength;
  const flows = collectFlows(options.flows);
  const longestPath = Math.max(
    0,
    ...flows.flatMap((flow) => flow.versions.map((v) => `${v.name}/${v.steps.length}`.length)),
  );
  const contract: Contract = {
    base,
    token,
    maxBodyBytes: options.maxBodyBytes ?? 65_536,
    maxTokenBytes,
    maxIdLength,
    requireIfMatch: options.requireIfMatch ?? false,
    rateLimit: options.rateLimit,
    cors: options.cors,
    webhooks: (options.webhooks?.length ?? 0) > 0,
    // `{base}/{flow}/{flowId}/step/{number}`
    maxHref: base.length + longestPath + maxIdLength + 8,
  };

  const schemas: Schema = sharedSchemas(contract, flows);
  const securitySchemes: Schema = {};
  const operationIds = new Set<string>();
  const responses = sharedResponses();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const flow of flows) {
    Object.assign(schemas, flowSchemas(contract, flow));
    const security = securityOf(flow, securitySchemes);
    const build = (kind: OperationKind, step?: StepFacts) =>
      responses.share(operation(contract, flow, kind, step, security, operationIds));
    paths[`/${flow.name}`] = { get: build("describe"), post: build("start") };
    paths[`/${flow.name}/{flowId}`] = {
      parameters: [{ $ref: "#/components/parameters/FlowId" }],
      get: build("read"),
      delete: build("erase"),
    };
    paths[`/${flow.name}/{flowId}/recover`] = {
      parameters: [{ $ref: "#/components/parameters/FlowId" }],
      post: build("recover"),
    };
    // Only where a log is kept and some version serves it.
    if (!token && flow.versions.some((version) => version.history)) {
      paths[`/${flow.name}/{flowId}/history`] = {
        parameters: [{ $ref: "#/components/parameters/FlowId" }],
        get: build("history"),
      };
    }
    // Not in token mode: the flow id is the state, and nothing on the server changes.
    if (!token) {
      paths[`/${flow.name}/{flowId}/events`] = {
        parameters: [{ $ref: "#/components/parameters/FlowId" }],
        get: build("events"),
      };
    }
    for (const step of flow.steps) {
      paths[`/${flow.name}/{flowId}/step/${step.step.name}`] = {
        parameters: [{ $ref: "#/components/parameters/FlowId" }],
        put: build("submit", step),
        get: build("read-step", step),
      };
    }
  }

  const info = options.info ?? {};
  const environment = options.environment ?? "production";
  return {
    openapi: "3.1.1",
    info: {
      title:
        info.title ?? (flows.length === 1 ? `${flows[0]?.newest.title} API` : "Waymark flows API"),
      version:
        info.version ?? flows.map((flow) => `${flow.name}@${flow.newest.version}`).join(", "),
      description: info.description ?? overview(contract),
      ...(info.contact ? { contact: info.contact } : {}),
    },
    servers: [
      {
        url: base || "/",
        description: `${capitalised(environment)}: this server, at ${base || "/"} relative to where this document was fetched`,
        "x-internal": false,
      },
    ],
    tags: flows.map((flow) => ({ name: flow.name, description: flow.newest.title })),
    paths,
    components: {
      schemas,
      responses: responses.components,
      parameters: parameters(contract),
      ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes } : {}),
    },
  };
}

/**
 * Problem responses that several operations give alike, kept once in
 * `components.responses` and referred to: named after their status, numbered when
 * several differ.
 */
function sharedResponses() {
  const components: Schema = {};
  const byContent = new Map<string, string>();
  const taken = new Set<string>();
  return {
    components,
    share(operation: Schema): Schema {
      const own = operation.responses as Record<string, Schema>;
      const responses: Schema = {};
      for (const [status, response] of Object.entries(own)) {
        if (Number(status) < 400) {
          responses[status] = response;
          continue;
        }
        const key = JSON.stringify(response);
        let name = byContent.get(key);
        if (name === undefined) {
          name = unique(pascal(reasonOf(response).toLowerCase().replaceAll(" ", "-")), taken);
          byContent.set(key, name);
          components[name] = response;
        }
        responses[status] = { $ref: `#/components/responses/${name}` };
      }
      return { ...operation, responses };
    },
  };
}

/** The reason phrase a problem response's description starts with. */
function reasonOf(response: Schema): string {
  return String(response.description).split(",")[0] ?? "Error";
}

/** The security requirement of a flow's operations that need a credential, if any. */
function securityOf(flow: FlowFacts, schemes: Schema): Schema[] | undefined {
  const policy = flow.newest.access;
  if (policy === "capability") return undefined;
  if (policy === "secret") {
    schemes.flowSecret = {
      type: "http",
      scheme: "bearer",
      description:
        "The `flowSecret` that starting a flow answered (43 base64url characters, 256 random bits), as `Authorization: Bearer {flowSecret}`. A missing or wrong one answers 404, as an unknown flow id does.",
    };
    return [{ flowSecret: [] }];
  }
  const name = unique(`${pascal(flow.name)}Auth`, new Set(Object.keys(schemes)));
  schemes[name] = policy.securityScheme ?? {
    type: "http",
    scheme: "bearer",
    description: `How the host app authenticates callers of the ${flow.newest.title} flow; its authorize policy decides each request, and a refused one answers 404, as an unknown flow does.`,
  };
  return [{ [name]: [] }];
}

/** The document's own description: the rules every operation follows. */
function overview(contract: Contract): string {
  const { rateLimit, cors } = contract;
  return [
    "Multi-step flows: start one, submit each step in order, read it back, erase it. Servers keep no per-client memory: every request carries the flow id",
    contract.token ? ", which is the flow itself, sealed (token mode).\n" : ".\n",
    "\n- **Errors** are RFC 9457 `application/problem+json`, typed `urn:waymark:problem:{code}`; a failed request writes nothing.",
    "\n- **Versions**: every change answers a new `ETag`; `If-Match` and `If-None-Match` follow RFC 9110 §13.2.2 on every flow address.",
    "\n- **Methods**: `HEAD` answers as `GET` without a body; a method an address does not take answers 405 with `Allow`.",
    `\n- **Bodies**: JSON (I-JSON), at most ${contract.maxBodyBytes} bytes.`,
    rateLimit
      ? `\n- **Rate limit**: at most ${rateLimit.limit} requests per client every ${rateLimit.windowMs / 1000} seconds; \`RateLimit\` and \`RateLimit-Policy\` on every answer, 429 with \`Retry-After\` past it.${
          rateLimit.perFlow && !contract.token
            ? ` At most ${rateLimit.perFlow.limit} requests to one flow every ${rateLimit.perFlow.windowMs / 1000} seconds, from every client together; 429 past it.`
            : ""
        }`
      : "",
    cors
      ? `\n- **CORS**: ${cors.origins === "*" ? "any origin" : cors.origins.join(", ")} may call the API from a browser.`
      : "",
  ].join("");
}

function tokenLimit(tokens: OpenApiOptions["tokens"]): number {
  return (typeof tokens === "object" ? tokens.maxTokenBytes : undefined) ?? 8192;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
