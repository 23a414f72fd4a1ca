/**
 * CPU per step write in token mode against an in-RAM server (a Map-backed store, here
 * only as the yardstick), through the handler, one at a time. Two yardsticks: one with
 * its usual 36-character ids, and one whose ids are as long as tokens, so it handles the
 * same URLs and bodies and the difference left is sealing and opening. Target: token
 * mode costs at most 1.5× the CPU of the in-RAM server handling the same requests.
 */
import { onboarding } from "../examples/onboarding/flow.ts";
import type { FlowRecord } from "../src/flow/types.ts";
import { createWaymark } from "../src/http/app.ts";
import type { FlowStore } from "../src/store/types.ts";
import { generateKeyEntry, parseKeyring } from "../src/token/jwe.ts";
import { createTokenMode, type TokenMode } from "../src/token/mode.ts";
import { contractorWalkthrough as steps } from "../test/support/onboarding-data.ts";

const flows = Number(process.env.BENCH_FLOWS ?? 1_000);
const target = 1.5;

/** The yardstick: records in a Map, as a server with per-client memory would keep them. */
function inRamYardstick(): FlowStore {
  const records = new Map<string, FlowRecord>();
  return {
    capabilities: { expiresByItself: false },
    async create(record) {
      records.set(record.id, record);
      return true;
    },
    async load(id) {
      return records.get(id);
    },
    async save(record, expected) {
      if (records.get(record.id)?.version !== expected) return false;
      records.set(record.id, record);
      return true;
    },
    async delete(id) {
      return records.delete(id);
    },
    async purgeExpired() {
      return 0;
    },
    async claimIdempotencyKey() {
      throw new Error("not used");
    },
    async finishIdempotencyKey() {},
    async releaseIdempotencyKey() {},
    async ping() {},
    async close() {},
  };
}

/**
 * The same yardstick addressed like token mode: each write gets a new flow id as long
 * as a token (the record's id, padded), and the record stays in a Map instead of being
 * sealed. What token mode costs beyond it is sealing and opening.
 */
function inRamLongIds(idLength: number): TokenMode {
  const records = new Map<string, FlowRecord>();
  let writes = 0;
  return {
    kind: "token",
    maxTokenBytes: idLength,
    seal(record) {
      records.set(record.id, record);
      writes += 1;
      return `${record.id}${String(writes).padEnd(idLength - record.id.length, "A")}`;
    },
    open(flowId) {
      const record = records.get(flowId.slice(0, 36));
      if (!record) throw new Error("unknown id");
      return record;
    },
    etag: (flowId) => `"${flowId.slice(36)}"`,
  };
}

/** Microseconds of CPU (user + system) per step write. */
async function cpuPerWrite(keeping: { store: FlowStore } | { tokens: TokenMode }): Promise<number> {
  const waymark = createWaymark({ flows: [onboarding], ...keeping });
  const run = async (count: number) => {
    let writes = 0;
    for (let flow = 0; flow < count; flow++) {
      const created = await waymark.fetch(new Request("http://b/onboarding", { method: "POST" }));
      let path = created.headers.get("location") ?? "";
      await created.arrayBuffer();
      for (const [step, data] of steps) {
        const response = await waymark.fetch(
          new Request(`http://b${path}/step/${step}`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(data),
          }),
        );
        if (response.status !== 200) throw new Error(`step ${step}: ${response.status}`);
        path = response.headers.get("location") ?? path;
        await response.arrayBuffer();
        writes += 1;
      }
    }
    return writes;
  };
  await run(200); // warm up the JIT
  const before = process.cpuUsage();
  const writes = await run(flows);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / writes;
}

const keyring = parseKeyring(generateKeyEntry("bench"));
/** About the length of an onboarding token midway through the flow. */
const tokenLength = 700;
// Alternate the three and take medians: garbage collection and the JIT make runs noisy.
const runs = { ram: [] as number[], ramLongIds: [] as number[], token: [] as number[] };
for (let round = 0; round < 5; round++) {
  runs.ram.push(await cpuPerWrite({ store: inRamYardstick() }));
  runs.ramLongIds.push(await cpuPerWrite({ tokens: inRamLongIds(tokenLength) }));
  runs.token.push(await cpuPerWrite({ tokens: createTokenMode({ keyring }) }));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? Number.NaN;
const [ram, ramLongIds, token] = [median(runs.ram), median(runs.ramLongIds), median(runs.token)];
const ratio = token / ramLongIds;
console.log(
  `${flows} onboarding flows × 5 rounds, 4 step writes each, one at a time, through the handler`,
);
console.log(`in-RAM, 36-character ids:       ${ram.toFixed(0)} µs CPU per step write (median)`);
console.log(`in-RAM, ${tokenLength}-character ids:      ${ramLongIds.toFixed(0)} µs`);
console.log(
  `token mode:                     ${token.toFixed(0)} µs (${(token / ram).toFixed(2)}× the first, ${ratio.toFixed(2)}× the second)`,
);
console.log(
  `target ≤ ${target}× an in-RAM server handling the same requests: ${ratio <= target ? "met" : "MISSED"}`,
);
process.exitCode = ratio <= target ? 0 : 1;
