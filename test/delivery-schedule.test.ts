import { describe, expect, it } from "vitest";
import {
  afterFailure,
  destinationsFor,
  GIVE_UP_AFTER_MS,
  handlerDestination,
  MAX_RETRY_MS,
  retryDelayMs,
  webhookDestination,
} from "../src/delivery/index.ts";
import type { FlowEventType } from "../src/flow/events.ts";

describe("retry schedule", () => {
  it("doubles from 5 s to a cap of 6 h, with jitter in [0.8, 1.2)", () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 12, 13, 14, 15, 60, 5000].map((n) => retryDelayMs(n, middle))).toEqual([
      5_000,
      10_000,
      20_000,
      40_000,
      10_240_000,
      20_480_000,
      MAX_RETRY_MS,
      MAX_RETRY_MS,
      MAX_RETRY_MS,
      MAX_RETRY_MS,
    ]);
    expect(retryDelayMs(1, () => 0)).toBe(4_000);
    expect(retryDelayMs(1, () => 0.999_999)).toBe(6_000);
    expect(retryDelayMs(14, () => 0)).toBe(MAX_RETRY_MS * 0.8);
  });

  it("tries a delivery that always fails 24 times over 3 days, then gives up", () => {
    const createdAt = 1_767_225_600_000;
    let attempt = { attempts: 0, createdAt, at: createdAt };
    const times = [createdAt];
    for (;;) {
      const next = afterFailure(attempt, attempt.at, () => 0.5);
      if (next.state === "dead") break;
      times.push(next.nextAttemptAt);
      attempt = { ...attempt, attempts: attempt.attempts + 1, at: next.nextAttemptAt };
    }
    expect(times).toHaveLength(24);
    expect(times.slice(1, 4).map((at) => at - createdAt)).toEqual([5_000, 15_000, 35_000]);
    expect(times.at(-1)).toBe(createdAt + 256_955_000);
    expect((times.at(-1) ?? 0) - createdAt).toBeLessThanOrEqual(GIVE_UP_AFTER_MS);
  });
});

describe("destinationsFor", () => {
  const endpoints = [
    { url: "https://a.example/hooks", secret: "whsec_x" },
    { url: "https://b.example/hooks", secret: "whsec_x", events: ["flow.completed" as const] },
    { url: "https://c.example/hooks", secret: "whsec_x", flows: ["checkout"] },
    {
      url: "https://d.example/hooks",
      secret: "whsec_x",
      events: ["flow.started" as const],
      flows: ["checkout"],
    },
  ];
  const to = (type: FlowEventType, flow: string, handlers: string[] = []) =>
    destinationsFor({ type, flow }, endpoints, handlers);

  it("sends an event to the endpoints whose events and flows filters match", () => {
    expect(to("step.submitted", "onboarding")).toEqual([
      webhookDestination("https://a.example/hooks"),
    ]);
    expect(to("flow.completed", "onboarding")).toEqual([
      "webhook:https://a.example/hooks",
      "webhook:https://b.example/hooks",
    ]);
    expect(to("flow.started", "checkout")).toEqual([
      "webhook:https://a.example/hooks",
      "webhook:https://c.example/hooks",
      "webhook:https://d.example/hooks",
    ]);
    expect(destinationsFor({ type: "flow.started", flow: "x" }, [], [])).toEqual([]);
  });

  it("adds the completion handler for flow.completed only, when there is one", () => {
    expect(to("flow.completed", "onboarding", ["onComplete"])).toContain(
      handlerDestination("onComplete"),
    );
    expect(to("flow.started", "onboarding", ["onComplete"])).not.toContain("handler:onComplete");
    expect(to("flow.completed", "onboarding", ["other"])).not.toContain("handler:onComplete");
  });
});
