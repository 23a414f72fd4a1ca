import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FlowDefinition } from "../flow/types.ts";

const typeScriptFile = /\.[mc]?ts$/;
/**
 * True in an installed package, which runs compiled JavaScript: plain Node 20 cannot
 * import a TypeScript flow file, so tsx is registered first. Running from the sources (a
 * checkout of the repository, the tests), a TypeScript loader is already in place.
 */
const compiled = import.meta.url.endsWith(".js");
let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports a flow file (TypeScript or JavaScript) and returns its flow definitions: the
 * default export (one definition or a list), else every exported definition. Throws
 * naming the file when it fails to load or defines nothing.
 */
export async function loadFlows(file: string): Promise<FlowDefinition[]> {
  let module: Record<string, unknown>;
  try {
    if (compiled && typeScriptFile.test(file)) await registerTypeScript();
    module = await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load flows from ${file}: ${reason}`);
  }
  const exported = module.default ?? Object.values(module);
  const candidates = Array.isArray(exported) ? exported : [exported];
  const flows = candidates.filter(isFlowDefinition);
  if (flows.length === 0) {
    // defineFlow(settings) before its first .step(...) is not a flow yet.
    const stepless = candidates.some(
      (candidate) => typeof (candidate as { step?: unknown } | null)?.step === "function",
    );
    throw new Error(
      stepless
        ? `${file} exports a flow with no steps: add them with .step({ name, schema })`
        : `${file} exports no flow: export defineFlow(...) results, or a list of them`,
    );
  }
  return flows;
}

/** Registers tsx's loader once, on the first TypeScript flow file: JavaScript needs none. */
function registerTypeScript(): Promise<void> {
  typeScriptLoader ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}

function isFlowDefinition(value: unknown): value is FlowDefinition {
  const candidate = value as Partial<FlowDefinition> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.name === "string" &&
    typeof candidate.ttlMs === "number" &&
    Array.isArray(candidate.steps)
  );
}
