import { jsonRequest, personalInfo } from "./onboarding-data.ts";

/**
 * One conditional write of a register history, in the manner of Jepsen's register test:
 * `ok` (200, acknowledged), `fail` (412: refused, so it must never be seen) or `info` (no
 * telling whether it happened).
 */
export interface Operation {
  flowId: string;
  /** The version its If-Match named. */
  base: number;
  /** The first name it wrote, unique to it. */
  name: string;
  result: "ok" | "fail" | "info";
  /** The version it was acknowledged with. */
  version?: number;
}

/** A state of a flow a client read: its version, and the first name written at it. */
export interface Observation {
  flowId: string;
  version: number;
  name: string | undefined;
}

/** What a history check found. */
export interface HistoryResult {
  operations: number;
  ok: number;
  fail: number;
  info: number;
  reads: number;
  /** Acknowledged writes missing from their flow's chain of versions. */
  lost: string[];
  /** States no write could have produced, or produced by a write that was refused. */
  unexpected: string[];
  /** Each flow's last version. */
  versions: number[];
}

type FlowBody = { version: number; data: Record<string, { firstName?: string } | undefined> };

/**
 * `clients` clients, for `durationMs`, each reading a random one of `flowIds` and
 * writing step 1 back with `If-Match` and a first name no other write uses; then a last
 * read of each flow, and the check: per flow, the acknowledged versions are distinct and
 * each follows the version its write was based on (one chain), every state read was
 * written by a write that was acknowledged at that version or may have happened, and
 * the last version accounts for every acknowledged write and for no refused one.
 */
export async function registerHistory(
  url: string,
  flowIds: string[],
  clients: number,
  durationMs: number,
): Promise<HistoryResult> {
  const operations: Operation[] = [];
  const observations: Observation[] = [];
  const deadline = performance.now() + durationMs;
  const read = async (flowId: string) => {
    const response = await fetch(`${url}/onboarding/${flowId}`);
    if (response.status !== 200) throw new Error(`GET answered ${response.status}`);
    const body = (await response.json()) as FlowBody;
    const name = body.data["personal-info"]?.firstName;
    observations.push({ flowId, version: body.version, name });
    return body.version;
  };
  const client = async (index: number) => {
    for (let op = 0; performance.now() < deadline; op++) {
      const flowId = flowIds[Math.floor(Math.random() * flowIds.length)] as string;
      const base = await read(flowId);
      const name = `C${index}o${op}`;
      const operation: Operation = { flowId, base, name, result: "info" };
      operations.push(operation);
      try {
        const response = await fetch(
          `${url}/onboarding/${flowId}/step/1`,
          jsonRequest("PUT", { ...personalInfo, firstName: name }, { "if-match": `"v${base}"` }),
        );
        if (response.status === 200) {
          const body = (await response.json()) as FlowBody;
          operation.result = "ok";
          operation.version = body.version;
          observations.push({
            flowId,
            version: body.version,
            name: body.data["personal-info"]?.firstName,
          });
        } else {
          await response.arrayBuffer();
          if (response.status === 412) operation.result = "fail";
        }
      } catch {
        // No answer: the write may or may not have happened.
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
  const versions = [];
  for (const flowId of flowIds) versions.push(await read(flowId));
  return { ...checkHistory(flowIds, operations, observations), versions };
}

/** The check of {@link registerHistory}, on a history already recorded. */
export function checkHistory(
  flowIds: string[],
  operations: Operation[],
  observations: Observation[],
): Omit<HistoryResult, "versions"> {
  const lost: string[] = [];
  const unexpected: string[] = [];
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  for (const flowId of flowIds) {
    const ops = operations.filter((operation) => operation.flowId === flowId);
    const acked = new Map<number, Operation>();
    for (const op of ops.filter((operation) => operation.result === "ok")) {
      const version = op.version ?? 0;
      const other = acked.get(version);
      if (other)
        lost.push(`${flowId}: ${other.name} and ${op.name} both acknowledged as v${version}`);
      acked.set(version, op);
      if (version !== op.base + 1)
        unexpected.push(`${flowId}: ${op.name} based on v${op.base} acknowledged as v${version}`);
    }
    const seen = observations.filter((observation) => observation.flowId === flowId);
    for (const { version, name } of seen) {
      const at = `${flowId} v${version} holds ${name ?? "nothing"}`;
      if (version === 1) {
        if (name !== undefined) unexpected.push(`${at}, before any write`);
        continue;
      }
      const writer = name === undefined ? undefined : byName.get(name);
      const ack = acked.get(version);
      if (ack && ack.name !== name)
        lost.push(`${at}, but ${ack.name} was acknowledged as v${version}`);
      if (!writer || writer.flowId !== flowId) unexpected.push(`${at}, which no write of it sent`);
      else if (writer.result === "fail") unexpected.push(`${at}, a write refused with 412`);
      else if (writer.result === "ok" && writer.version !== version)
        unexpected.push(`${at}, acknowledged as v${writer.version}`);
      else if (writer.base !== version - 1)
        unexpected.push(`${at}, a write based on v${writer.base}`);
    }
    const last = Math.max(...seen.map((observation) => observation.version));
    const oks = ops.filter((operation) => operation.result === "ok").length;
    const infos = ops.filter((operation) => operation.result === "info").length;
    // Every applied write adds one to the version: v1 is the flow as started.
    if (last - 1 < oks) lost.push(`${flowId}: v${last} after ${oks} acknowledged writes`);
    if (last - 1 > oks + infos)
      unexpected.push(`${flowId}: v${last} after ${oks} acknowledged and ${infos} unknown writes`);
  }
  const count = (result: Operation["result"]) =>
    operations.filter((op) => op.result === result).length;
  return {
    operations: operations.length,
    ok: count("ok"),
    fail: count("fail"),
    info: count("info"),
    reads: observations.length,
    lost,
    unexpected,
  };
}
