import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenApiDocument } from "waymark";

/** A JSON object read from the document. */
export type Json = Record<string, unknown>;

export const methods = ["get", "put", "post", "delete"] as const;

/** One operation of the document, found by its path and method. */
export interface FoundOperation {
  path: string;
  method: (typeof methods)[number];
  operation: Json;
}

/** Every operation of the document. */
export function operationsOf(document: OpenApiDocument): FoundOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methods.flatMap((method) => {
      const operation = item[method] as Json | undefined;
      return operation ? [{ path, method, operation }] : [];
    }),
  );
}

/** Follows `$ref`s (`#/components/…`) to what they name, with where that is. */
export function resolve(document: OpenApiDocument, value: Json): { value: Json; at?: string } {
  const ref = value.$ref;
  if (typeof ref !== "string") return { value };
  let target: unknown = document;
  for (const part of ref.slice(2).split("/")) {
    target = (target as Json)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return { ...resolve(document, target as Json), at: ref };
}

/** The responses of an operation, each resolved. */
export function responsesOf(document: OpenApiDocument, operation: Json): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(operation.responses as Record<string, Json>).map(([status, response]) => [
      status,
      resolve(document, response).value,
    ]),
  );
}

/** The problem `type`s a response documents (`urn:waymark:problem:{code}` → code). */
export function problemCodes(response: Json): string[] {
  const content = response.content as Record<string, { schema: { allOf: Json[] } }>;
  const own = content["application/problem+json"]?.schema.allOf[1] as {
    properties: { type: { enum: string[] } };
  };
  return own.properties.type.enum.map((type) => type.replace("urn:waymark:problem:", ""));
}

/** Every parameter of an operation (its path's too), resolved. */
export function parametersOf(document: OpenApiDocument, found: FoundOperation): Json[] {
  const shared = (document.paths[found.path]?.parameters as Json[] | undefined) ?? [];
  const own = (found.operation.parameters as Json[] | undefined) ?? [];
  return [...shared, ...own].map((parameter) => resolve(document, parameter).value);
}

/**
 * Checks responses against the document: the status is documented for the operation,
 * required headers are present, and the body matches the documented schema (JSON Schema
 * 2020-12 with formats). Answers what is wrong, or undefined.
 */
export function createConformanceCheck(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema(document as unknown as Json, "openapi.json");

  return async function check(
    found: FoundOperation,
    response: Response,
  ): Promise<string | undefined> {
    const status = String(response.status);
    const declared = (found.operation.responses as Record<string, Json>)[status];
    if (!declared) return `${found.method} ${found.path}: status ${status} is not documented`;
    const { value: documented, at } = resolve(document, declared);
    const where = at ?? `#/paths/${pointer(found.path)}/${found.method}/responses/${status}`;
    for (const [name, header] of Object.entries(
      (documented.headers ?? {}) as Record<string, Json>,
    )) {
      if (header.required && !response.headers.has(name)) return `${where}: no ${name} header`;
    }
    const text = await response.text();
    const content = documented.content as Record<string, Json> | undefined;
    if (!content) return text === "" ? undefined : `${where}: a body where none is documented`;
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!(mediaType in content)) return `${where}: media type "${mediaType}" is not documented`;
    const validate = ajv.getSchema(`openapi.json${where}/content/${pointer(mediaType)}/schema`);
    if (!validate) return `${where}: no schema for ${mediaType}`;
    if (validate(JSON.parse(text))) return undefined;
    return `${where}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 400)}`;
  };
}

function pointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}
