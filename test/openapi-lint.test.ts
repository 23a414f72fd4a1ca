import { Validator } from "@seriousme/openapi-schema-validator";
import spectralCore from "@stoplight/spectral-core";
import owasp from "@stoplight/spectral-owasp-ruleset";
import spectralParsers from "@stoplight/spectral-parsers";
import spectralRulesets from "@stoplight/spectral-rulesets";
import { describe, expect, it } from "vitest";
import type { FlowDefinition, HandlerOptions, OpenApiDocument } from "waymark";
import { createTokenMode, generateKeyEntry, parseKeyring, type TokenMode } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { claim, profile } from "./fixtures/openapi-access-flows.ts";
import { createHttpClient } from "./support/http-client.ts";
import { operationsOf } from "./support/openapi-document.ts";

const { Document, Spectral } = spectralCore;

const spectral = new Spectral();
// The OpenAPI ruleset and the OWASP API Security Top 10 (2023) ruleset, as they come.
spectral.setRuleset({ extends: [spectralRulesets.oas, owasp] } as never);

const limits = {
  rateLimit: { limit: 600, windowMs: 60_000 },
  cors: { origins: ["https://app.example.com"] },
  openapi: { info: { contact: { name: "Waymark", url: "https://example.com/waymark" } } },
};

/** A finding as `severity code method path`: the operation it is about, or where it is. */
type Finding = string;
const severities = ["error", "warning", "info", "hint"];

/** The document a handler serves at `{basePath}/openapi.json`. */
async function served(
  options: Partial<Omit<HandlerOptions, "now">> & { tokens?: TokenMode },
): Promise<OpenApiDocument> {
  const client = createHttpClient(options);
  const response = await client.send("GET", `${options.basePath ?? ""}/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

async function lint(document: OpenApiDocument): Promise<Finding[]> {
  const results = await spectral.run(new Document(JSON.stringify(document), spectralParsers.Json));
  const findings = results.map((result) => {
    const [root, path, method] = result.path.map(String);
    const where = root === "paths" && method ? `${method} ${path}` : result.path.join(".");
    return `${severities[result.severity]} ${result.code} ${where}`;
  });
  return [...new Set(findings)].sort();
}

/**
 * What the rulesets find that is documented and meant, computed from the flows: a
 * capability flow's operations carry no security scheme (the flow id in the path is the
 * credential), and no operation answers 401, since a refused caller gets the 404 of an
 * unknown flow. Operations public by design (descriptions, a secret flow's start) are
 * declared anonymous and draw no finding.
 */
function meant(document: OpenApiDocument, flows: readonly FlowDefinition[]): Finding[] {
  const open = (flow: FlowDefinition, path: string, method: string) =>
    flow.access === "capability" && !(path === `/${flow.name}` && method === "get");
  return operationsOf(document)
    .flatMap(({ path, method }) => {
      const flow = flows.find((candidate) => path.split("/")[1] === candidate.name);
      if (!flow) throw new Error(`${path} belongs to no flow`);
      const found = [`warning owasp:api8:2023-define-error-responses-401 ${method} ${path}`];
      if (open(flow, path, method)) {
        found.push(
          method === "get"
            ? `warning owasp:api2:2023-read-restricted ${method} ${path}`
            : `error owasp:api2:2023-write-restricted ${method} ${path}`,
        );
      }
      return found;
    })
    .sort();
}

/** The rules a document breaks beyond what is meant, each once. */
function beyond(findings: Finding[], expected: Finding[]): string[] {
  return [
    ...new Set(
      findings
        .filter((found) => !expected.includes(found))
        .map((found) => found.split(" ")[1] ?? found),
    ),
  ].sort();
}

describe("the published OpenAPI document, validated and linted", () => {
  const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k1")) });

  it("is valid OpenAPI 3.1 in every mode", async () => {
    for (const document of [
      await served({ basePath: "/api", ...limits }),
      await served({ flows: [claim, profile], tokens, requireIfMatch: true }),
      await served({}),
    ]) {
      const result = await new Validator().validate(document as never);
      expect(result, JSON.stringify(result.errors, null, 2)).toEqual({ valid: true });
    }
  });

  it("onboarding with rateLimit and cors: only its capability access, and no 401 (a refusal is a 404)", async () => {
    const document = await served({ basePath: "/api", ...limits });
    const findings = await lint(document);
    expect(findings.join("\n")).toBe(meant(document, [onboarding]).join("\n"));
  });

  it("secret and authorize flows, in token mode: only their open operations, and no 401 (a refusal is a 404)", async () => {
    const flows = [claim, profile];
    const document = await served({ flows, tokens, ...limits });
    const findings = await lint(document);
    expect(findings.join("\n")).toBe(meant(document, flows).join("\n"));
    // Descriptions and the secret flow's start are declared anonymous; all else is guarded.
    expect(findings.filter((found) => found.includes("-restricted"))).toEqual([]);
    const anonymous = operationsOf(document)
      .filter(({ operation }) => JSON.stringify(operation.security) === "[{}]")
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(anonymous).toEqual(["get /claim", "get /profile", "post /claim"]);
  });

  it("without rateLimit and cors: the rate-limit and CORS rules fail, and only they", async () => {
    const { rateLimit, cors, openapi } = limits;
    const rules = async (options: Partial<HandlerOptions>) => {
      const document = await served({ openapi, ...options });
      return beyond(await lint(document), meant(document, [onboarding]));
    };
    const rateLimitRules = [
      "owasp:api4:2023-rate-limit",
      "owasp:api4:2023-rate-limit-responses-429",
    ];
    expect(await rules({})).toEqual([...rateLimitRules, "owasp:api8:2023-define-cors-origin"]);
    expect(await rules({ cors })).toEqual(rateLimitRules);
    expect(await rules({ rateLimit })).toEqual(["owasp:api8:2023-define-cors-origin"]);
    expect(await rules({ rateLimit, cors })).toEqual([]);
    // Without a contact, the OpenAPI ruleset asks for one.
    const bare = await served({ rateLimit, cors });
    expect(beyond(await lint(bare), meant(bare, [onboarding]))).toEqual(["info-contact"]);
  });
});
