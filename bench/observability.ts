/**
 * What tracing and metrics cost, in CPU time, interleaved in one process so that other
 * work on the machine weighs on both sides alike:
 * - a store call through `instrumentStore` with no OpenTelemetry provider registered
 *   (the no-op spans every handler makes), against the store's own method;
 * - a request through the handler (memory store) with metrics off and on.
 * Run with `npx tsx --conditions=waymark-source bench/observability.ts`.
 */
import { onboarding } from "../examples/onboarding/flow.ts";
import { createWaymark, type Waymark } from "../src/http/app.ts";
import { instrumentStore } from "../src/observe/store.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { contractorWalkthrough as steps } from "../test/support/onboarding-data.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** CPU microseconds (user and system) that `work` takes, per one of its `count` operations. */
async function cpuPer(count: number, work: () => Promise<void>): Promise<number> {
  const started = process.cpuUsage();
  await work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

const raw = createMemoryStore();
const traced = instrumentStore(raw);
const calls = 100_000;
const loads = (store: typeof raw) =>
  cpuPer(calls, async () => {
    for (let i = 0; i < calls; i++) await store.load("missing");
  });
const store = { raw: [] as number[], traced: [] as number[] };
await loads(raw);
await loads(traced);
for (let round = 0; round < rounds; round++) {
  store.raw.push(await loads(raw));
  store.traced.push(await loads(traced));
}
const [plain, wrapped] = [median(store.raw) * 1000, median(store.traced) * 1000];
console.log(
  `store.load (memory): ${plain.toFixed(0)} ns plain, ${wrapped.toFixed(0)} ns instrumented with no provider: +${(wrapped - plain).toFixed(0)} ns a call`,
);

const flows = 200;
async function requests(waymark: Waymark): Promise<number> {
  return cpuPer(flows * (steps.length + 2), async () => {
    for (let i = 0; i < flows; i++) {
      const created = await waymark.fetch(
        new Request("http://bench/onboarding", { method: "POST" }),
      );
      const { flowId } = (await created.json()) as { flowId: string };
      for (const [step, data] of steps) {
        const response = await waymark.fetch(
          new Request(`http://bench/onboarding/${flowId}/step/${step}`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(data),
          }),
        );
        if (response.status !== 200) throw new Error(`step ${step}: ${response.status}`);
        await response.arrayBuffer();
      }
      await (await waymark.fetch(new Request(`http://bench/onboarding/${flowId}`))).arrayBuffer();
    }
  });
}
const off = createWaymark({ flows: [onboarding], store: createMemoryStore() });
const on = createWaymark({ flows: [onboarding], store: createMemoryStore(), metrics: true });
const handler = { off: [] as number[], on: [] as number[] };
await requests(off);
await requests(on);
for (let round = 0; round < rounds; round++) {
  // Alternating which goes first: neither always runs on a warmer or busier machine.
  if (round % 2 === 0) {
    handler.off.push(await requests(off));
    handler.on.push(await requests(on));
  } else {
    handler.on.push(await requests(on));
    handler.off.push(await requests(off));
  }
}
const [without, withMetrics] = [median(handler.off), median(handler.on)];
console.log(
  `a request (POST, 4 PUT, GET of onboarding flows, memory store): ${without.toFixed(0)} µs CPU with metrics off, ${withMetrics.toFixed(0)} µs with metrics on (${withMetrics >= without ? "+" : ""}${(withMetrics - without).toFixed(0)} µs)`,
);
