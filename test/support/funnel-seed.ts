import { expect } from "vitest";
import type { FlowStore } from "waymark";
import type { FunnelReport } from "../../src/contract/funnel.ts";
import {
  companyDetails,
  contractorContract,
  createHttpClient,
  employeeContract,
  personalInfo,
  review,
  startTime,
} from "./http-client.ts";

const s = 1_000;

/** The window the seeded flows are counted over: all but the first one started in it. */
export const seededWindow = {
  since: new Date(startTime.getTime() + 60 * s),
  until: new Date(startTime.getTime() + 86_400_000),
};

/**
 * Drives onboarding flows through the HTTP handler on `store`, with a clock moved by
 * hand: one started before the window, then seven in it (three complete, one stops at
 * each step, 422s on every step, the company step skipped by employees, one back-edit).
 */
export async function seedFunnel(store: FlowStore): Promise<void> {
  const client = createHttpClient({ store });
  const { advance } = client;
  const refused = async (path: string, step: number, json: unknown) => {
    expect((await client.put(path, step, json)).status).toBe(422);
  };
  const ok = async (path: string, step: number, json: unknown, afterMs: number) => {
    advance(afterMs);
    await client.putOk(path, step, json);
  };

  // H: started before the window, completed: not counted.
  const h = (await client.start()).path;
  await ok(h, 1, personalInfo, 10 * s);
  await ok(h, 2, employeeContract, 10 * s);
  await ok(h, 4, review, 10 * s);
  advance(2 * 60 * s);

  // A: an employee; a 422 on the email, then through in 60 s, 120 s, 30 s.
  const a = (await client.start()).path;
  advance(30 * s);
  await refused(a, 1, { ...personalInfo, email: "nope" });
  await ok(a, 1, personalInfo, 30 * s);
  await ok(a, 2, employeeContract, 120 * s);
  await ok(a, 4, review, 30 * s);
  advance(60 * s);

  // B: a contractor, through in 100 s, 200 s, 300 s, 40 s.
  const b = (await client.start()).path;
  await ok(b, 1, personalInfo, 100 * s);
  await ok(b, 2, contractorContract, 200 * s);
  await ok(b, 3, companyDetails, 300 * s);
  await ok(b, 4, review, 40 * s);
  advance(60 * s);

  // C: a 422 on the email, then gone: stopped at step 1.
  const c = (await client.start()).path;
  advance(5 * s);
  await refused(c, 1, { ...personalInfo, email: "nope" });
  advance(60 * s);

  // D: step 1 in 80 s, a 422 on the role, gone: stopped at step 2.
  const d = (await client.start()).path;
  await ok(d, 1, personalInfo, 80 * s);
  await refused(d, 2, { ...employeeContract, role: "" });
  advance(60 * s);

  // E: a contractor, 90 s, 150 s, then a 422 on the VAT id and one on a made-up key.
  const e = (await client.start()).path;
  await ok(e, 1, personalInfo, 90 * s);
  await ok(e, 2, contractorContract, 150 * s);
  await refused(e, 3, { ...companyDetails, vatId: "gb1" });
  await refused(e, 3, { ...companyDetails, "ada@example.com": true });
  advance(60 * s);

  // F: an employee, 20 s, 60 s, then refuses the terms: stopped at step 4.
  const f = (await client.start()).path;
  await ok(f, 1, personalInfo, 20 * s);
  await ok(f, 2, employeeContract, 60 * s);
  await refused(f, 4, { acceptTerms: false });
  advance(60 * s);

  // G: a contractor who goes back to edit step 1: still counted once, its first time.
  const g = (await client.start()).path;
  await ok(g, 1, personalInfo, 50 * s);
  await ok(g, 2, contractorContract, 70 * s);
  await ok(g, 1, { ...personalInfo, firstName: "Augusta" }, 10 * s);
  await ok(g, 3, companyDetails, 30 * s);
  await ok(g, 4, review, 20 * s);
}

/** The funnel of {@link seedFunnel}'s flows, counted by hand from the script above. */
export const seededReport: FunnelReport = {
  flow: "onboarding",
  since: seededWindow.since.toISOString(),
  until: seededWindow.until.toISOString(),
  versions: [
    {
      definitionVersion: 1,
      started: 7, // A B C D E F G
      completed: 3, // A B G
      completionRate: 3 / 7,
      steps: [
        {
          number: 1,
          name: "personal-info",
          title: "Personal information",
          reached: 7,
          completed: 6, // all but C
          stopped: 1, // C
          skipped: 0,
          // F 20, G 50, A 60, D 80, E 90, B 100: 3rd and 6th of 6.
          timeMs: { median: 60 * s, p90: 100 * s },
          failedFields: [{ field: "/email", count: 2 }], // A, C
        },
        {
          number: 2,
          name: "contract-details",
          title: "Contract details",
          reached: 6,
          completed: 5, // A B E F G
          stopped: 1, // D
          skipped: 0,
          // F 60, G 70, A 120, E 150, B 200: 3rd and 5th of 5.
          timeMs: { median: 120 * s, p90: 200 * s },
          failedFields: [{ field: "/role", count: 1 }], // D
        },
        {
          number: 3,
          name: "company-details",
          title: "Company details",
          reached: 3, // B E G
          completed: 2, // B G
          stopped: 1, // E
          skipped: 2, // A F
          // G 40 (reached with step 2, not moved by the edit of step 1), B 300.
          timeMs: { median: 40 * s, p90: 300 * s },
          // E: the made-up key is named `*`, never as typed.
          failedFields: [
            { field: "/*", count: 1 },
            { field: "/vatId", count: 1 },
          ],
        },
        {
          number: 4,
          name: "review",
          title: "Review and accept",
          reached: 4, // A B F G
          completed: 3, // A B G
          stopped: 1, // F
          skipped: 0,
          // G 20, A 30, B 40.
          timeMs: { median: 30 * s, p90: 40 * s },
          failedFields: [{ field: "/acceptTerms", count: 1 }], // F
        },
      ],
    },
  ],
};
