import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { defineFlow } from "../src/flow/define.ts";
import type { FlowDefinition } from "../src/flow/types.ts";
import { tombstoneKey } from "../src/service/effects.ts";
import { keepings, withServers } from "./support/keepings.ts";
import { employeeContract, personalInfo, review } from "./support/onboarding-data.ts";
import { contactV1, signupV1, signupV2 } from "./support/versioned-flows.ts";

/** The onboarding with its history served, a completion handler and the given erasure rule. */
function tracked(historyAfterErase: "erase" | "tombstone" = "erase"): FlowDefinition {
  return defineFlow({
    name: "onboarding",
    ttl: "7d",
    steps: onboarding.steps,
    history: true,
    historyAfterErase,
    onComplete: () => {},
  });
}

const webhooks = [
  { url: "http://127.0.0.1:9/hooks", secret: `whsec_${Buffer.alloc(32, 7).toString("base64")}` },
];

const personalFields = ["/dateOfBirth", "/email", "/firstName", "/lastName"];
const contractFields = ["/contractType", "/role", "/startDate"];

/** What the employee's walkthrough writes to the log, in order. */
const walkthrough = [
  ["flow.started", 1, undefined, undefined],
  ["step.submitted", 2, "personal-info", personalFields],
  ["step.submitted", 3, "contract-details", contractFields],
  ["step.skipped", 3, "company-details", undefined],
  ["step.submitted", 4, "review", ["/acceptTerms"]],
  ["flow.completed", 4, undefined, undefined],
] as const;

const stored = keepings.filter((keeping) => keeping.name !== "token mode");

describe.each(stored)("the event log on $name", (keeping) => {
  it("holds the onboarding walkthrough's events in order, each once, whatever is retried, and no value", () =>
    withServers(keeping, async ({ start, store }) => {
      const send = await start([tracked()], { webhooks });
      const { flowId } = (await send("POST", "/onboarding")).body;
      const path = `/onboarding/${flowId}`;
      for (const [step, data] of [
        ["1", personalInfo],
        ["2", employeeContract],
        // Retried: the same data again is a no-op, and makes no event.
        ["2", employeeContract],
        ["4", review],
        ["4", review],
      ] as const) {
        expect((await send("PUT", `${path}/step/${step}`, data)).status).toBe(200);
      }

      const history = await send("GET", `${path}/history`);
      expect(history.status).toBe(200);
      expect(history.headers.get("cache-control")).toBe("no-store");
      expect(history.body.flowId).toBe(flowId);
      const events = history.body.events as Array<Record<string, unknown>>;
      expect(events.map((e) => [e.type, e.version, e.step, e.fields])).toEqual(walkthrough);
      const indexOf = (n: number) => (n === 3 || n === 5 ? 1 : 0);
      expect(events.map((e) => e.id)).toEqual(
        walkthrough.map(([, version], n) => `${flowId}:${version}:${indexOf(n)}`),
      );
      for (const value of [...Object.values(personalInfo), ...Object.values(employeeContract)]) {
        expect(JSON.stringify(events)).not.toContain(String(value));
      }

      // The outbox: every event for the webhook, and flow.completed for onComplete too.
      const pending = await store()?.listDeliveries?.({ state: "pending", limit: 50 });
      const deliveries = pending?.deliveries ?? [];
      expect(
        deliveries.filter((d) => d.destination.startsWith("webhook:")).map((d) => d.event.id),
      ).toEqual(expect.arrayContaining(events.map((e) => e.id)));
      expect(deliveries).toHaveLength(events.length + 1);
      expect(
        deliveries.filter((d) => d.destination === "handler:onComplete").map((d) => d.event.type),
      ).toEqual(["flow.completed"]);
    }));

  it("erases the log with the flow, keeps its flow.deleted delivery, or keeps an anonymised tombstone", () =>
    withServers(keeping, async ({ start, store }) => {
      for (const rule of ["erase", "tombstone"] as const) {
        const send = await start([tracked(rule)], { webhooks });
        const { flowId } = (await send("POST", "/onboarding")).body;
        await send("PUT", `/onboarding/${flowId}/step/1`, personalInfo);
        expect((await send("DELETE", `/onboarding/${flowId}`)).status).toBe(204);
        expect((await send("GET", `/onboarding/${flowId}/history`)).status).toBe(404);
        expect(await store()?.readEvents?.(flowId)).toEqual([]);
        const kept = (await store()?.readEvents?.(tombstoneKey(flowId))) ?? [];
        expect(kept.map((event) => event.type)).toEqual(
          rule === "erase" ? [] : ["flow.started", "step.submitted", "flow.deleted"],
        );
        expect(JSON.stringify(kept)).not.toContain(flowId);
        const pending = await store()?.listDeliveries?.({ state: "pending", limit: 100 });
        expect(
          pending?.deliveries.filter((d) => d.event.flowKey === flowId).map((d) => d.event.type),
        ).toContain("flow.deleted");
      }
    }));

  it("logs a migration and a recovery as flow.migrated and flow.recovered", () =>
    withServers(keeping, async ({ clock, start, store }) => {
      const first = await start([signupV1]);
      const { flowId } = (await first("POST", "/signup")).body;
      await first("PUT", `/signup/${flowId}/step/contact`, contactV1);
      // The server restarts on v2 after the flow expired; it is brought back.
      clock.now = new Date(clock.now.getTime() + 2 * 3_600_000);
      const second = await start([signupV2]);
      expect((await second("POST", `/signup/${flowId}/recover`)).status).toBe(200);
      const events = (await store()?.readEvents?.(flowId)) ?? [];
      expect(events.map((event) => [event.type, event.version, event.index])).toEqual([
        ["flow.started", 1, 0],
        ["step.submitted", 2, 0],
        ["flow.migrated", 3, 0],
        ["flow.recovered", 3, 1],
      ]);
      expect(events[2]).toMatchObject({ fromVersion: 1, definitionVersion: 2, steps: [] });
    }));
});
