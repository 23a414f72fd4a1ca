import type { FlowDefinition } from "./types.ts";

/** Names the HTTP layer keeps for itself. */
const reservedNames = new Set(["healthz", "readyz", "wizard", "openapi", "docs"]);

/**
 * The flows a server serves. Several versions of one flow may be registered: new flows
 * start on the highest, and records started on an older one keep using it.
 */
export interface FlowRegistry {
  /** The newest version of the named flow. */
  latest(name: string): FlowDefinition | undefined;
  /** The exact version a record started on. */
  at(name: string, version: number): FlowDefinition | undefined;
  /** Every registered flow name. */
  readonly names: readonly string[];
}

/**
 * Indexes definitions by name and version; throws on a duplicate version or a reserved
 * name.
 *
 * @example createRegistry([onboardingV1, onboardingV2])
 */
export function createRegistry(definitions: readonly FlowDefinition[]): FlowRegistry {
  const byName = new Map<string, Map<number, FlowDefinition>>();
  for (const definition of definitions) {
    if (reservedNames.has(definition.name)) {
      throw new Error(`flow "${definition.name}": the name is reserved`);
    }
    const versions = byName.get(definition.name) ?? new Map<number, FlowDefinition>();
    if (versions.has(definition.version)) {
      throw new Error(`flow "${definition.name}": version ${definition.version} is defined twice`);
    }
    versions.set(definition.version, definition);
    byName.set(definition.name, versions);
  }
  const newest = new Map(
    [...byName].map(([name, versions]) => [name, versions.get(Math.max(...versions.keys()))]),
  );
  return {
    latest: (name) => newest.get(name),
    at: (name, version) => byName.get(name)?.get(version),
    names: [...byName.keys()],
  };
}
