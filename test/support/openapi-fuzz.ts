import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { generateSync } from "json-schema-faker";

/** The parts of an OpenAPI 3.1 document the fuzzer reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  schema?: Record<string, unknown>;
}

interface MediaType {
  schema?: Record<string, unknown>;
}

interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}

/** One documented operation, with JSON Pointers into the document for its schemas. */
export interface Operation {
  method: string;
  template: string;
  /** `#/paths/…/{method}`: where the operation sits in the document. */
  pointer: string;
  parameters: Parameter[];
  bodySchema: Record<string, unknown> | undefined;
  responses: Record<string, ResponseObject>;
}

const methods = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

/** Every operation of the document, with path-level parameters merged in. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    const shared = (item.parameters as Parameter[] | undefined) ?? [];
    for (const method of methods) {
      const operation = item[method] as
        | {
            parameters?: Parameter[];
            requestBody?: { content?: Record<string, MediaType> };
            responses?: Record<string, ResponseObject>;
          }
        | undefined;
      if (!operation) continue;
      operations.push({
        method: method.toUpperCase(),
        template,
        pointer: `#/paths/${escapePointer(template)}/${method}`,
        parameters: [...shared, ...(operation.parameters ?? [])].map((p) => resolve(document, p)),
        bodySchema: bodySchemaOf(document, operation.requestBody?.content?.["application/json"]),
        responses: Object.fromEntries(
          Object.entries(operation.responses ?? {}).map(([status, response]) => [
            status,
            resolve(document, response),
          ]),
        ),
      });
    }
  }
  return operations;
}

function bodySchemaOf(document: OpenApiDocument, media: MediaType | undefined) {
  return media?.schema && resolve(document, media.schema);
}

/** Follows a local `$ref` (`#/components/…`) to what it names. */
function resolve<T>(document: OpenApiDocument, value: T): T {
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref !== "string") return value;
  let target: unknown = document;
  for (const part of ref.slice(2).split("/")) {
    target = (target as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return resolve(document, target as T);
}

function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Checks responses against the document: status documented for the operation (or its
 * `4XX`/`default`), media type among those documented, body valid for the schema
 * (JSON Schema 2020-12, with formats), required headers present.
 */
export function createResponseChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
  addFormats.default(ajv);
  const compiled = new WeakMap<object, ValidateFunction>();
  /** A schema's `#/components/…` refs resolve in a root that carries the components. */
  function validatorOf(schema: Record<string, unknown>): ValidateFunction {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: document.components });
      compiled.set(schema, validate);
    }
    return validate;
  }

  return async function check(
    operation: Operation,
    response: Response,
  ): Promise<string | undefined> {
    const status = String(response.status);
    const documented =
      operation.responses[status] ??
      operation.responses[`${status[0]}XX`] ??
      operation.responses.default;
    if (!documented) return `status ${status} is not documented`;
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (header.required && !response.headers.has(name)) return `header ${name} is missing`;
    }
    const streamed = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (streamed) {
      // A live update stream never ends by itself: its media type is what is checked.
      await response.body?.cancel();
      return documented.content?.["text/event-stream"] ? undefined : "an undocumented stream";
    }
    const text = await response.text();
    if (!documented.content || text === "") {
      return text === "" || operation.method === "HEAD" ? undefined : `an undocumented body`;
    }
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!(mediaType in documented.content)) return `media type "${mediaType}" is not documented`;
    const validate = validatorOf(documented.content[mediaType]?.schema ?? {});
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `a body that is not JSON: ${text.slice(0, 80)}`;
    }
    if (validate(body)) return undefined;
    return `the body does not match: ${ajv.errorsText(validate.errors)}: ${text.slice(0, 300)}`;
  };
}

/** Valid data for a schema, from a seed: json-schema-faker, made deterministic. */
export function validInstance(schema: Record<string, unknown>, seed: number): unknown {
  return generateSync(schema as never, { seed, alwaysFakeOptionals: seed % 2 === 0 });
}

/** Strings that break naive code: controls, odd Unicode, huge, empty. */
export const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u0007bell",
    "line\nbreak",
    "tab\there",
    "\ud800",
    "\udfff\ud800",
    "\u202etxt.exe",
    "\u200b\u200d\ufeff",
    "👩‍👩‍👧‍👦".repeat(30),
    "ﷺ".repeat(50),
    "Ⅻ",
    "A".repeat(70_000),
    "𝓐".repeat(300),
    "__proto__",
    "constructor",
    "'; DROP TABLE flows;--",
    "<script>alert(1)</script>",
    "%00%2F..%2F",
    "../../etc/passwd",
  ),
);

/** Dates a parser might accept by mistake. */
export const hostileDate = fc.constantFrom(
  "2023-02-30",
  "2023-13-01",
  "0000-00-00",
  "20230101",
  "2023-1-1",
  "2023-01-01T00:00:00Z",
  "9999-99-99",
  "-2023-01-01",
  "+275760-09-13",
  "2023‐01‐01",
  "２０２３-01-01",
);

/** Any JSON value, including the awkward ones. */
export const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, [], {}, ""),
);

/** A JSON text nested `depth` levels deep. */
export function deeplyNested(depth: number, kind: "array" | "object"): string {
  return kind === "array"
    ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}
