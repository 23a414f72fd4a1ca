import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import { origin } from "./support/http-client.ts";
import { personalInfo } from "./support/onboarding-data.ts";
import {
  createResponseChecker,
  type OpenApiDocument,
  type Operation,
  operationsOf,
} from "./support/openapi-fuzz.ts";

type HeaderObject = { required?: boolean; schema?: { pattern?: string; enum?: string[] } };

/** A header's value against the documented schema's pattern or enumeration. */
function headerProblem(operation: Operation, response: Response): string | undefined {
  const documented = operation.responses[String(response.status)]?.headers ?? {};
  for (const [name, header] of Object.entries(documented) as [string, HeaderObject][]) {
    const value = response.headers.get(name);
    if (value === null) continue;
    const { pattern, enum: values } = header.schema ?? {};
    if (pattern && !new RegExp(pattern).test(value)) return `${name}: ${value} !~ ${pattern}`;
    if (values && !values.includes(value)) return `${name}: ${value} not in ${values.join(" ")}`;
  }
  return undefined;
}

describe("the OpenAPI document describes answers in every language", () => {
  it("documents Accept-Language, Content-Language and the description", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createSqliteStore({ path: ":memory:" }),
    });
    const document = (await (
      await waymark.fetch(new Request(`${origin}/openapi.json`))
    ).json()) as OpenApiDocument;
    for (const operation of operationsOf(document).filter((o) =>
      o.template.startsWith("/onboarding"),
    )) {
      expect(
        operation.parameters.map((p) => p.name),
        operation.pointer,
      ).toContain("Accept-Language");
    }
    const schemas = (
      document.components as {
        schemas: Record<string, { properties: Record<string, unknown>; required: string[] }>;
      }
    ).schemas;
    const description = Object.entries(schemas).find(([name]) => name.endsWith("Description"));
    expect(description?.[1].required).toContain("description");
  });

  it.each(["de", "ar", "en"])(
    "answers in %s as the document says, headers included",
    async (language) => {
      const waymark = createWaymark({
        flows: [onboarding],
        store: createSqliteStore({ path: ":memory:" }),
      });
      const document = (await (
        await waymark.fetch(new Request(`${origin}/openapi.json`))
      ).json()) as OpenApiDocument;
      const check = createResponseChecker(document);
      const operations = operationsOf(document);
      const find = (method: string, template: string) =>
        operations.find((o) => o.method === method && o.template === template) as Operation;
      const headers = { "accept-language": language };
      const send = (method: string, path: string, init: RequestInit = {}) =>
        waymark.fetch(
          new Request(`${origin}${path}`, {
            method,
            ...init,
            headers: { ...headers, ...(init.headers as object) },
          }),
        );

      const answers: [Operation, Response][] = [];
      answers.push([find("GET", "/onboarding"), await send("GET", "/onboarding")]);
      const started = await send("POST", "/onboarding");
      answers.push([find("POST", "/onboarding"), started.clone()]);
      const { flowId } = (await started.json()) as { flowId: string };
      const path = `/onboarding/${flowId}`;
      answers.push([find("GET", "/onboarding/{flowId}"), await send("GET", path)]);
      answers.push([
        find("PUT", "/onboarding/{flowId}/step/personal-info"),
        await send("PUT", `${path}/step/personal-info`, {
          body: JSON.stringify(personalInfo),
          headers: { "content-type": "application/json" },
        }),
      ]);
      answers.push([
        find("GET", "/onboarding/{flowId}/step/contract-details"),
        await send("GET", `${path}/step/contract-details`),
      ]);
      answers.push([
        find("PUT", "/onboarding/{flowId}/step/review"),
        await send("PUT", `${path}/step/review`, {
          body: JSON.stringify({ acceptTerms: true }),
          headers: { "content-type": "application/json" },
        }),
      ]);
      for (const [operation, response] of answers) {
        expect(response.headers.get("content-language")).toBe(language);
        expect(headerProblem(operation, response), operation.pointer).toBeUndefined();
        expect(await check(operation, response), operation.pointer).toBeUndefined();
      }
    },
  );
});
