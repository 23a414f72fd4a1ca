import { describe, expect, it } from "vitest";
import { keepings, type serve, withServers } from "./support/keepings.ts";
import { contactV1, signupV1, signupV2 } from "./support/versioned-flows.ts";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Starts a v1 flow and submits `steps` in order; the flow after the last. */
async function onV1(send: ReturnType<typeof serve>, steps: Array<[string, unknown]>) {
  let flow = (await send("POST", "/signup")).body;
  for (const [step, data] of steps) {
    flow = (await send("PUT", `/signup/${flow.flowId}/step/${step}`, data)).body;
  }
  return flow;
}

describe.each(keepings)("flow lifecycle on $name", (keeping) => {
  it("carries a flow started on v1 through a restart on v2 (a renamed field, a new one with a default) to completion", () =>
    withServers(keeping, async ({ clock, start }) => {
      const flow = await onV1(await start([signupV1]), [
        ["contact", contactV1],
        ["plan", { tier: "team" }],
      ]);
      expect(flow).toMatchObject({ definitionVersion: 1, version: 3 });

      // The server restarts with v2 on the same data.
      clock.now = new Date("2026-12-01T09:10:00Z");
      const send = await start([signupV2]);
      const read = await send("GET", `/signup/${flow.flowId}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        definitionVersion: 2,
        migratedFrom: { definitionVersion: 1, at: "2026-12-01T09:10:00.000Z" },
        version: 4,
        status: "in_progress",
        currentStep: { name: "confirm" },
        data: {
          contact: { fullName: "Ada Lovelace", email: "ada@example.com", country: "NL" },
          plan: { tier: "team" },
        },
        // A migration is not the user's activity: the expiry stays where it was.
        expiresAt: "2026-12-01T10:00:00.000Z",
      });
      const done = await send("PUT", `/signup/${read.body.flowId}/step/confirm`, { accept: true });
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ status: "completed", definitionVersion: 2, version: 5 });
    }));

  it("sends the user back to the step v2 tightened, with the error, then goes on", () =>
    withServers(keeping, async ({ start }) => {
      const flow = await onV1(await start([signupV1]), [
        ["contact", contactV1],
        ["plan", { tier: "free" }],
      ]);
      const send = await start([signupV2]);
      const read = (await send("GET", `/signup/${flow.flowId}`)).body;
      expect(read.currentStep).toMatchObject({
        name: "plan",
        errors: [{ path: "/tier", message: "Choose a paid tier" }],
      });
      expect(read.data).not.toHaveProperty("plan");
      const step = (await send("GET", `/signup/${read.flowId}/step/plan`)).body;
      expect(step).toMatchObject({
        status: "current",
        data: { tier: "free" },
        errors: [{ path: "/tier", message: "Choose a paid tier" }],
      });
      const fixed = (await send("PUT", `/signup/${read.flowId}/step/plan`, { tier: "team" })).body;
      expect(fixed.currentStep).toEqual(expect.objectContaining({ name: "confirm" }));
      expect(fixed.currentStep).not.toHaveProperty("errors");
      const planned = (await send("GET", `/signup/${fixed.flowId}/step/plan`)).body;
      expect(planned).toMatchObject({ status: "done", data: { tier: "team" } });
      expect(planned).not.toHaveProperty("errors");
    }));

  it("recovers an expired flow with its data within the grace period, and not after it", () =>
    withServers(keeping, async ({ clock, start, store }) => {
      const send = await start([signupV1]);
      const flow = await onV1(send, [["contact", contactV1]]);
      const path = `/signup/${flow.flowId}`;

      // One hour later the flow expired (ttl 1h); 30 days of grace follow.
      clock.now = new Date("2026-12-01T10:00:00Z");
      const expired = await send("GET", path);
      expect(expired.status).toBe(410);
      expect(expired.body).toMatchObject({
        type: "urn:waymark:problem:flow-expired",
        recoverableUntil: "2026-12-31T10:00:00.000Z",
        recover: { href: `${path}/recover`, method: "POST" },
      });
      const written = await send("PUT", `${path}/step/plan`, { tier: "team" });
      expect(written.status).toBe(410);
      expect(written.body.recover).toEqual({ href: `${path}/recover`, method: "POST" });
      // Purging now removes nothing: the data is kept for recovery.
      expect(await store()?.purgeExpired(clock.now)).toBe(store() ? 0 : undefined);

      clock.now = new Date("2026-12-20T10:00:00Z");
      const recovered = await send("POST", `${path}/recover`);
      expect(recovered.status).toBe(200);
      expect(recovered.body).toMatchObject({
        version: 3,
        currentStep: { name: "plan" },
        data: { contact: contactV1 },
        expiresAt: "2026-12-20T11:00:00.000Z",
      });
      // A retried recovery changes nothing.
      const live = `/signup/${recovered.body.flowId}`;
      const again = await send("POST", `${live}/recover`);
      expect(again.body).toMatchObject({ version: 3, expiresAt: "2026-12-20T11:00:00.000Z" });

      // Left again: past expiry and past the 30 days of grace, no way back.
      clock.now = new Date(Date.parse("2026-12-20T11:00:00Z") + 30 * dayMs);
      const gone = await send("GET", live);
      expect(gone.status).toBe(410);
      expect(gone.body).not.toHaveProperty("recover");
      expect(gone.body).not.toHaveProperty("recoverableUntil");
      expect((await send("POST", `${live}/recover`)).status).toBe(410);
      // Then the purge: 404, as for any id nothing is kept under (token mode keeps nothing).
      expect(await store()?.purgeExpired(clock.now)).toBe(store() ? 1 : undefined);
      expect((await send("GET", live)).status).toBe(store() ? 404 : 410);
    }));

  it("moves a recovered flow to the version deployed meanwhile", () =>
    withServers(keeping, async ({ clock, start }) => {
      const flow = await onV1(await start([signupV1]), [["contact", contactV1]]);
      clock.now = new Date("2026-12-03T09:00:00Z");
      const send = await start([signupV2]);
      const recovered = await send("POST", `/signup/${flow.flowId}/recover`);
      expect(recovered.status).toBe(200);
      expect(recovered.body).toMatchObject({
        definitionVersion: 2,
        migratedFrom: { definitionVersion: 1 },
        data: { contact: { fullName: "Ada Lovelace", country: "NL" } },
        expiresAt: "2026-12-03T10:00:00.000Z",
      });
    }));
});
