import type { FunnelReport } from "waymark/contract";

/** A fixed report: two versions, one step refused and timed, one never reached. */
export const sampleReport: FunnelReport = {
  flow: "onboarding",
  since: "2026-11-24T10:00:00.000Z",
  until: "2026-12-01T10:00:00.000Z",
  versions: [
    {
      definitionVersion: 1,
      started: 4,
      completed: 1,
      completionRate: 0.25,
      steps: [
        step(1, "personal-info", 4, 3, 1, { median: 42_000, p90: 95_000 }, [["/email", 5]]),
        step(2, "review", 3, 1, 2, { median: null, p90: null }, []),
      ],
    },
    {
      definitionVersion: 2,
      started: 120,
      completed: 84,
      completionRate: 0.7,
      steps: [
        step(1, "personal-info", 120, 110, 10, { median: 61_000, p90: 200_000 }, [
          ["/email", 31],
          ["/dateOfBirth", 12],
        ]),
        { ...step(2, "company-details", 0, 0, 0, { median: null, p90: null }, []), skipped: 60 },
        step(3, "review", 110, 84, 26, { median: 5_400_000, p90: 7_200_000 }, []),
      ],
    },
  ],
};

function step(
  number: number,
  name: string,
  reached: number,
  completed: number,
  stopped: number,
  timeMs: { median: number | null; p90: number | null },
  failed: [string, number][],
) {
  return {
    number,
    name,
    title: name === "personal-info" ? "Personal information" : undefined,
    reached,
    completed,
    stopped,
    skipped: 0,
    timeMs,
    failedFields: failed.map(([field, count]) => ({ field, count })),
  };
}
