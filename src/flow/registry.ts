import { WaymarkError } from "../errors.ts";
import type { FlowDefinition, RetiredPolicy } from "./types.ts";

/** Names the HTTP layer keeps for itself. */
const reservedNames = new Set([
  "healthz",
  "readyz",
  "wizard",
  "openapi",
  "docs",
  "metrics",
  "admin",
]);

/**
 * Whether a name is one the HTTP layer keeps for its own addresses (`metrics`, `admin`,
 * `docs`, `wizard`, `openapi`, `healthz`, `readyz`): never a flow's, so an address under
 * it that no feature serves is no address at all.
 *
 * @example isReservedName("metrics") // true
 */
export function isReservedName(name: string): boolean {
  return reservedNames.has(name);
}

/**
 * The flows a server serves. Several versions of one flow may be registered: new flows
 * start on the highest, and records started on an older one follow that version's
 * {@link RetiredPolicy}. Versions reached through a `migrateFrom` chain are known too,
 * registered or not.
 */
export interface FlowRegistry {
  /** The newest version of the named flow. */
  latest(name: string): FlowDefinition | undefined;
  /** The exact version a record started on, if it is registered or a migration reaches it. */
  at(name: string, version: number): FlowDefinition | undefined;
  /**
   * What happens to a flow in progress on `version`: undefined for the newest version,
   * and for an older one that is neither kept, migrated, restarted nor expired (it
   * answers 410 `definition-retired`).
   */
  policy(name: string, version: number): RetiredPolicy | undefined;
  /**
   * The definitions a flow on `version` migrates through, oldest first, ending with the
   * newest; each has the `migration` from the one before. Empty when none reaches it.
   */
  migrationsFrom(name: string, version: number): readonly FlowDefinition[];
  /** Every registered flow name. */
  readonly names: readonly string[];
}

/** One flow's versions, and what happens to each older one. */
interface Versions {
  newest: FlowDefinition;
  known: Map<number, FlowDefinition>;
  policies: Map<number, RetiredPolicy>;
  /** Newest first: the newest, the one its migration comes from, and so on. */
  chain: FlowDefinition[];
}

/**
 * Indexes definitions by name and version and settles each older version's policy.
 *
 * @throws Error on a reserved name, a version given twice (registered twice, or two
 * different definitions reached for one version), or a `retired` policy that cannot
 * hold: `keep` for a version that is neither registered nor reached by a migration,
 * `migrate` for one no `migrateFrom` chain from the newest reaches.
 * @example createRegistry([onboardingV1, onboardingV2])
 */
export function createRegistry(definitions: readonly FlowDefinition[]): FlowRegistry {
  const registered = new Map<string, Map<number, FlowDefinition>>();
  for (const definition of definitions) {
    if (reservedNames.has(definition.name)) {
      throw new Error(`flow "${definition.name}": the name is reserved`);
    }
    const versions = registered.get(definition.name) ?? new Map<number, FlowDefinition>();
    if (versions.has(definition.version)) {
      throw new Error(`flow "${definition.name}": version ${definition.version} is defined twice`);
    }
    versions.set(definition.version, definition);
    registered.set(definition.name, versions);
  }
  const byName = new Map(
    [...registered].map(([name, versions]) => [name, settleVersions(name, versions)]),
  );
  return {
    latest: (name) => byName.get(name)?.newest,
    at: (name, version) => byName.get(name)?.known.get(version),
    policy: (name, version) => byName.get(name)?.policies.get(version),
    migrationsFrom(name, version) {
      const chain = byName.get(name)?.chain ?? [];
      const start = chain.findIndex((definition) => definition.version === version);
      return start > 0 ? chain.slice(0, start).reverse() : [];
    },
    names: [...byName.keys()],
  };
}

function settleVersions(name: string, registered: Map<number, FlowDefinition>): Versions {
  const newest = registered.get(Math.max(...registered.keys())) as FlowDefinition;
  const known = new Map(registered);
  const remember = (definition: FlowDefinition) => {
    const other = known.get(definition.version);
    if (other && other !== definition) {
      throw new Error(
        `flow "${name}": version ${definition.version} is given as two different definitions`,
      );
    }
    known.set(definition.version, definition);
  };
  // Every version a migration reaches can be read (completed flows stay on theirs).
  for (const definition of registered.values()) {
    for (let at = definition.migration?.from; at; at = at.migration?.from) remember(at);
  }
  const chain = [newest];
  for (let at = newest.migration?.from; at; at = at.migration?.from) chain.push(at);
  const migrates = new Set(chain.slice(1).map((definition) => definition.version));

  const policies = new Map<number, RetiredPolicy>();
  for (const version of new Set([...known.keys(), ...Object.keys(newest.retired).map(Number)])) {
    if (version >= newest.version) continue;
    const declared = newest.retired[version];
    const where = `flow "${name}": retired version ${version}`;
    if (declared === "migrate" && !migrates.has(version)) {
      throw new Error(`${where} is to migrate, but no migrateFrom chain reaches it`);
    }
    // Completed flows stay on their version whatever the policy: it must be readable.
    if (declared && declared !== "migrate" && !known.has(version)) {
      throw new Error(
        `${where} is to ${declared === "keep" ? "be kept" : declared}, but its definition is not given: register it, so that its completed flows can still be read`,
      );
    }
    const policy =
      declared ??
      (migrates.has(version) ? "migrate" : registered.has(version) ? "keep" : undefined);
    if (policy) policies.set(version, policy);
  }
  return { newest, known, policies, chain };
}

/**
 * The refusal for a flow name nothing is registered under.
 *
 * @example throw unknownFlow("signup") // 404 unknown-flow
 */
export function unknownFlow(name: string): WaymarkError {
  return new WaymarkError("unknown-flow", `There is no flow named "${name.slice(0, 100)}"`);
}
