/**
 * CPU per step write in token mode against an in-RAM server doing the same work (a
 * Map-backed store, here only as the yardstick), through the handler, one at a time.
 * Target: token mode costs at most 1.5× the CPU of the in-RAM server.
 */
import { onboarding } from "../examples/onboarding/flow.ts";
import type { FlowRecord } from "../src/flow/types.ts";
import { createWaymark } from "../src/http/app.ts";
import { createTokenStore } from "../src/store/token.ts";
import type { FlowStore } from "../src/store/types.ts";
import { generateKeyEntry, parseKeyring } from "../src/token/jwe.ts";

const flows = Number(process.env.BENCH_FLOWS ?? 1_000);
const target = 1.5;

/** The yardstick: records in a Map, as a server with per-client memory would keep them. */
function inRamYardstick(): FlowStore {
  const records = new Map<string, FlowRecord>();
  return {
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

const steps: Array<[string, unknown]> = [
  [
    "1",
    { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", dateOfBirth: "1990-12-10" },
  ],
  ["2", { contractType: "contractor", startDate: "2027-01-04", role: "Engineer" }],
  ["3", { companyName: "Analytical Engines Ltd", vatId: "GB123456789" }],
  ["4", { acceptTerms: true }],
];

/** Microseconds of CPU (user + system) per step write. */
async function cpuPerWrite(store: FlowStore): Promise<number> {
  const waymark = createWaymark({ flows: [onboarding], store });
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
// Alternate the two and take medians: garbage collection and the JIT make single runs noisy.
const ramRuns: number[] = [];
const tokenRuns: number[] = [];
for (let round = 0; round < 5; round++) {
  ramRuns.push(await cpuPerWrite(inRamYardstick()));
  tokenRuns.push(await cpuPerWrite(createTokenStore({ keyring })));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? Number.NaN;
const ram = median(ramRuns);
const token = median(tokenRuns);
const ratio = token / ram;
console.log(
  `${flows} onboarding flows × 5 rounds, 4 step writes each, one at a time, through the handler`,
);
console.log(`in-RAM yardstick: ${ram.toFixed(0)} µs CPU per step write (median)`);
console.log(
  `token mode:       ${token.toFixed(0)} µs CPU per step write (median, ${ratio.toFixed(2)}×)`,
);
console.log(`target ≤ ${target}× the in-RAM server: ${ratio <= target ? "met" : "MISSED"}`);
process.exitCode = ratio <= target ? 0 : 1;
