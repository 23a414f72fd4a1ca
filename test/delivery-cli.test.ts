import { describe, expect, it } from "vitest";
import { listDeliveriesCommand, retryDeliveriesCommand } from "../src/cli/deliveries.ts";
import type { DeliveryRow } from "../src/cli/deliveries-format.ts";
import { createFakeOutbox, fakeEvent } from "./support/fake-outbox.ts";
import { runCli } from "./support/processes.ts";

const at = Date.UTC(2026, 0, 1);
const hook = "webhook:https://example.com/hooks";

/** A fake outbox holding two pending deliveries and one dead, as a store's would. */
function seeded() {
  const outbox = createFakeOutbox(() => at + 60_000);
  outbox.add(fakeEvent("f1", 1, { at, type: "flow.started" }), hook);
  outbox.add(fakeEvent("f2", 3, { at: at + 1, type: "flow.completed" }), "handler:onComplete", {
    attempts: 2,
    nextAttemptAt: at + 20_000,
    lastError: "handler threw TypeError",
  });
  const dead = outbox.add(fakeEvent("f3", 2, { at: at + 2 }), hook, {
    state: "dead",
    attempts: 1,
    nextAttemptAt: at + 60_000,
    lastError: "HTTP 410",
  });
  return { outbox, dead };
}

describe("waymark deliveries", () => {
  it("lists the pending deliveries as a table, oldest first", async () => {
    const { outbox } = seeded();
    const { code, stdout, stderr } = await listDeliveriesCommand(outbox, {});
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split("\n")).toEqual([
      "KEY                                       DESTINATION                        EVENT           FLOW        ATTEMPTS  NEXT ATTEMPT              LAST ERROR",
      "webhook:https://example.com/hooks f1:1:0  webhook:https://example.com/hooks  flow.started    onboarding  0         2026-01-01T00:00:00.000Z",
      "handler:onComplete f2:3:0                 handler:onComplete                 flow.completed  onboarding  2         2026-01-01T00:00:20.000Z  handler threw TypeError",
      "",
      "2 pending deliveries.",
      "",
    ]);
  });

  it("lists the dead ones with --dead, as JSON with --json", async () => {
    const { outbox, dead } = seeded();
    const table = await listDeliveriesCommand(outbox, { dead: true });
    expect(table.stdout).toContain("LAST ATTEMPT");
    expect(table.stdout).toContain("HTTP 410");
    expect(table.stdout).toMatch(/\n1 dead delivery\.\n$/);
    const json = await listDeliveriesCommand(outbox, { dead: true, json: true });
    expect(JSON.parse(json.stdout) as DeliveryRow[]).toEqual([
      {
        key: dead.key,
        state: "dead",
        destination: hook,
        eventType: "step.submitted",
        flow: "onboarding",
        flowId: "f3",
        attempts: 1,
        nextAttemptAt: "2026-01-01T00:01:00.000Z",
        lastError: "HTTP 410",
      },
    ]);
  });

  it("stops at --limit, across pages, saying there may be more", async () => {
    const outbox = createFakeOutbox();
    for (let flow = 0; flow < 1_200; flow++) outbox.add(fakeEvent(`f${flow}`, 1, { at }), hook);
    const json = await listDeliveriesCommand(outbox, { json: true, limit: 1_100 });
    expect((JSON.parse(json.stdout) as DeliveryRow[]).map((row) => row.flowId).at(-1)).toBe(
      "f1099",
    );
    const table = await listDeliveriesCommand(outbox, { limit: 3 });
    expect(table.stdout).toMatch(
      /\n3 pending deliveries shown; there may be more \(raise --limit\)\.\n$/,
    );
    const all = await listDeliveriesCommand(outbox, { limit: 1_200 });
    expect(all.stdout).toMatch(/\n1200 pending deliveries\.\n$/);
    expect((await listDeliveriesCommand(createFakeOutbox(), {})).stdout).toBe(
      "No pending deliveries.\n",
    );
  });

  it("puts dead deliveries back by key, exiting 1 for a key that names none", async () => {
    const { outbox, dead } = seeded();
    const now = at + 120_000;
    const result = await retryDeliveriesCommand(outbox, [dead.key, "webhook:x nope:1:0"], {}, now);
    expect(result).toEqual({
      code: 1,
      stdout: "1 delivery put back, due now.\n",
      stderr: "waymark: no dead delivery with key webhook:x nope:1:0\n",
    });
    expect(outbox.all().find((delivery) => delivery.key === dead.key)).toMatchObject({
      state: "pending",
      attempts: 0,
      nextAttemptAt: now,
    });
  });

  it("puts every dead delivery back with --all-dead, and wants keys or --all-dead, not both", async () => {
    const { outbox } = seeded();
    expect(await retryDeliveriesCommand(outbox, [], { allDead: true }, at)).toMatchObject({
      code: 0,
      stdout: "1 delivery put back, due now.\n",
    });
    expect(outbox.all().every((delivery) => delivery.state === "pending")).toBe(true);
    expect((await retryDeliveriesCommand(outbox, [], {}, at)).code).toBe(2);
    expect((await retryDeliveriesCommand(outbox, ["k"], { allDead: true }, at)).code).toBe(2);
  });

  it("exits 2 for a store that keeps no outbox", async () => {
    const list = await listDeliveriesCommand({}, {});
    expect(list).toMatchObject({ code: 2, stdout: "" });
    expect(list.stderr).toContain("this store keeps no outbox");
    expect((await retryDeliveriesCommand({}, ["k"], {}, at)).code).toBe(2);
  });

  it("exits 2 on a usage error", async () => {
    const run = await runCli(["deliveries", "--limit", "0"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("expected a whole number of deliveries");
  });
});
