import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import { employeeContract, personalInfo, review } from "./support/onboarding-data.ts";
import { runCli } from "./support/processes.ts";

const webhooks = [
  { url: "http://127.0.0.1:9/hooks", secret: `whsec_${Buffer.alloc(32, 5).toString("base64")}` },
];

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A SQLite file holding one finished onboarding, its log and its deliveries; its path and flow id. */
async function finishedFlow() {
  dir = mkdtempSync(join(tmpdir(), "waymark-events-cli-"));
  const path = join(dir, "flows.db");
  const store = createSqliteStore({ path });
  const waymark = createWaymark({ flows: [onboarding], store, webhooks });
  const send = async (method: string, at: string, json?: unknown) =>
    waymark.fetch(
      new Request(`http://waymark.test${at}`, {
        method,
        ...(json === undefined
          ? {}
          : { body: JSON.stringify(json), headers: { "content-type": "application/json" } }),
      }),
    );
  const { flowId } = (await (await send("POST", "/onboarding")).json()) as { flowId: string };
  for (const [step, data] of [
    ["1", personalInfo],
    ["2", employeeContract],
    ["4", review],
  ] as const) {
    expect((await send("PUT", `/onboarding/${flowId}/step/${step}`, data)).status).toBe(200);
  }
  return { path, flowId, store };
}

describe("waymark history", () => {
  it("prints every event of a flow as a table, names of steps and fields and never a value", async () => {
    const { path, flowId, store } = await finishedFlow();
    await store.close();
    const { code, stdout } = await runCli(["history", flowId, "--store", `sqlite:${path}`]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^time\s+version\s+event\s+step\s+fields \/ detail$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 4))).toEqual([
      ["1", "flow.started"],
      ["2", "step.submitted", "personal-info"],
      ["3", "step.submitted", "contract-details"],
      ["3", "step.skipped", "company-details"],
      ["4", "step.submitted", "review"],
      ["4", "flow.completed"],
    ]);
    expect(stdout).toContain("/dateOfBirth, /email, /firstName, /lastName");
    for (const value of [...Object.values(personalInfo), ...Object.values(employeeContract)]) {
      expect(stdout).not.toContain(value);
    }
    const json = await runCli(["history", flowId, "--store", `sqlite:${path}`, "--json"]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as {
      flow: string;
      flowId: string;
      events: Array<{ id: string; at: string }>;
    };
    // The same body as GET /onboarding/{flowId}/history.
    expect(body).toMatchObject({ flow: "onboarding", flowId });
    expect(body.events[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(body.events.map((event) => event.id)).toEqual([
      `${flowId}:1:0`,
      `${flowId}:2:0`,
      `${flowId}:3:0`,
      `${flowId}:3:1`,
      `${flowId}:4:0`,
      `${flowId}:4:1`,
    ]);
  });

  it("exits 1 for a flow with no events, and 2 without a store", async () => {
    const { path, store } = await finishedFlow();
    await store.close();
    const unknown = await runCli(["history", "no-such-flow", "--store", `sqlite:${path}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no events for flow no-such-flow");
    const missing = await runCli(["history", "x", "--store", `sqlite:${join(dir, "none.db")}`]);
    expect(missing.code).toBe(2);
  });
});

describe("waymark deliveries on a SQLite file", () => {
  it("lists what waits in the outbox, the dead ones, and puts the dead ones back", async () => {
    const { path, store } = await finishedFlow();
    // One delivery gives up, as a receiver gone for 3 days would make it.
    const [first] =
      (await store.claimDeliveries?.({ now: Date.now(), leaseMs: 60_000, limit: 1, token: "t" })) ??
      [];
    if (!first) throw new Error("nothing to deliver");
    expect(await store.settleDelivery?.(first.key, "t", { state: "dead", error: "HTTP 500" })).toBe(
      true,
    );
    await store.close();

    const pending = await runCli(["deliveries", "--store", `sqlite:${path}`, "--json"]);
    expect(pending.code).toBe(0);
    const waiting = JSON.parse(pending.stdout) as Array<{
      destination: string;
      event: { type: string };
    }>;
    // Six events to the webhook, one of them dead.
    expect(waiting).toHaveLength(5);
    expect(waiting.every((d) => d.destination === "webhook:http://127.0.0.1:9/hooks")).toBe(true);

    const dead = await runCli(["deliveries", "--store", `sqlite:${path}`, "--dead"]);
    expect(dead.code).toBe(0);
    expect(dead.stdout).toContain("flow.started");
    expect(dead.stdout).toContain("HTTP 500");

    const retried = await runCli([
      "deliveries",
      "retry",
      "--store",
      `sqlite:${path}`,
      "--all-dead",
    ]);
    expect(retried.code).toBe(0);
    const after = await runCli(["deliveries", "--store", `sqlite:${path}`, "--dead", "--json"]);
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});
