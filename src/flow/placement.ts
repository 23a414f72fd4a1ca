import { WaymarkError } from "../errors.ts";
import { flowStatus } from "./engine.ts";
import { type Migrated, migrateRecord, restartRecord } from "./migrate.ts";
import { type FlowRegistry, unknownFlow } from "./registry.ts";
import type { FlowDefinition, FlowRecord } from "./types.ts";

/**
 * What the registered definitions make of a stored record, before anything is applied:
 * - `newest`: it is on its flow's newest version;
 * - `completed`: it completed on an older version, and stays there (its answers were
 *   accepted);
 * - `keep`, `migrate`, `restart`, `expire`: its older version's {@link RetiredPolicy};
 * - `retired`: its version has no policy, or is to be kept but is not given (410
 *   `definition-retired`);
 * - `unknown-flow`: no version of its flow is registered.
 *
 * Expiry is not part of it: callers look at that first (an expired flow moves only when
 * it is recovered).
 *
 * @example placeRecord(registry, v1Record) // { kind: "migrate", definition: v2, chain: [v2] }
 */
export type Placement =
  | { kind: "newest" | "completed" | "keep"; definition: FlowDefinition }
  | { kind: "migrate"; definition: FlowDefinition; chain: readonly FlowDefinition[] }
  | { kind: "restart"; definition: FlowDefinition }
  | { kind: "expire" | "retired" | "unknown-flow" };

/**
 * A record as it is served: the definition it is on, the record itself or the record
 * moved to the newest version, and what a migration did to its steps.
 */
export interface Settled {
  definition: FlowDefinition;
  record: FlowRecord;
  /** True when the record moved to the newest version: it is saved before it is used. */
  moved: boolean;
  /** The steps a migration sent back to the user, with their field errors; else empty. */
  returned: Migrated["returned"];
  /** The steps whose data a migration dropped, since they no longer apply; else empty. */
  dropped: string[];
}

/**
 * Decides what happens to `record` under `registry`: the decision a server takes on each
 * read and write of a flow, and `waymark migrate` takes for each stored flow. Pure.
 *
 * @throws WaymarkError `definition-error` when a `when` of the record's own version throws
 * while its completion is worked out.
 * @example if (placeRecord(registry, record).kind === "migrate") console.log("moves on its next read");
 */
export function placeRecord(registry: FlowRegistry, record: FlowRecord): Placement {
  const { flow, definitionVersion } = record;
  const newest = registry.latest(flow);
  if (!newest) return { kind: "unknown-flow" };
  if (definitionVersion === newest.version) return { kind: "newest", definition: newest };
  const own = registry.at(flow, definitionVersion);
  if (own && flowStatus(own, record.data) === "completed") {
    return { kind: "completed", definition: own };
  }
  switch (registry.policy(flow, definitionVersion)) {
    case "keep":
      return own ? { kind: "keep", definition: own } : { kind: "retired" };
    case "migrate":
      return {
        kind: "migrate",
        definition: newest,
        chain: registry.migrationsFrom(flow, definitionVersion),
      };
    case "restart":
      return { kind: "restart", definition: newest };
    case "expire":
      return { kind: "expire" };
    case undefined:
      return { kind: "retired" };
  }
}

/**
 * Applies a {@link Placement} to the record it was decided for: the record as it stays,
 * migrated or restarted on the newest version. Pure: the clock is `now`, and nothing is
 * read or written; the caller saves a moved record with a compare-and-set.
 *
 * @throws WaymarkError `flow-expired` for `expire`, `definition-retired` for `retired`,
 * `unknown-flow` for `unknown-flow`, and `definition-error` when a migration throws.
 * @example const { record, moved } = await settleRecord(placeRecord(registry, loaded), loaded, now);
 */
export async function settleRecord(
  placement: Placement,
  record: FlowRecord,
  now: Date,
): Promise<Settled> {
  const unchanged = { record, moved: false, returned: [], dropped: [] };
  switch (placement.kind) {
    case "newest":
    case "completed":
    case "keep":
      return { definition: placement.definition, ...unchanged };
    case "migrate": {
      const migrated = await migrateRecord(placement.chain, record, now);
      return { definition: placement.definition, ...migrated, moved: true };
    }
    case "restart": {
      const restarted = restartRecord(placement.definition, record, now);
      return { definition: placement.definition, ...unchanged, record: restarted, moved: true };
    }
    case "expire":
      throw new WaymarkError(
        "flow-expired",
        `This flow started on version ${record.definitionVersion} of "${record.flow}", which has been withdrawn; start a new one`,
      );
    case "retired":
      throw new WaymarkError(
        "definition-retired",
        `This flow started on version ${record.definitionVersion} of "${record.flow}", which is no longer served`,
      );
    case "unknown-flow":
      throw unknownFlow(record.flow);
  }
}
