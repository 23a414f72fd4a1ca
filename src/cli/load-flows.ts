import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FlowDefinition } from "../flow/types.ts";

/**
 * Imports a flow file (TypeScript or JavaScript) and returns its flow definitions: the
 * default export (one definition or a list), else every exported definition. Throws
 * naming the file when it fails to load or defines nothing.
 */
export async function loadFlows(file: string): Promise<FlowDefinition[]> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load flows from ${file}: ${reason}`);
  }
  const exported = module.default ?? Object.values(module);
  const candidates = Array.isArray(exported) ? exported : [exported];
  const flows = candidates.filter(isFlowDefinition);
  if (flows.length === 0) {
    throw new Error(`${file} exports no flow: export defineFlow(...) results, or a list of them`);
  }
  return flows;
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
