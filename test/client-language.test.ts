import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createClient } from "waymark/client";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import { personalInfo } from "./support/onboarding-data.ts";

/** A client of the onboarding over a handler called without a socket, and what it sent. */
function setUp(language?: string) {
  const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
  const sent: (string | null)[] = [];
  const client = createClient<typeof onboarding>({
    baseUrl: "http://waymark.test",
    flow: "onboarding",
    fetch: (request) => {
      sent.push(request.headers.get("accept-language"));
      return waymark.fetch(request);
    },
    headers: { "accept-language": "fr" },
    ...(language === undefined ? {} : { language }),
  });
  return { client, sent };
}

describe("the client's language", () => {
  it("sends Accept-Language, and answers come back in that language", async () => {
    const { client, sent } = setUp("de");
    expect(client.language).toBe("de");
    const described = await client.describe();
    expect(described.ok && described.value.steps[0]?.title).toBe("Persönliche Angaben");
    const started = await client.start();
    if (!started.ok) throw new Error(started.problem.detail);
    expect(started.value.latest?.currentStep?.title).toBe("Persönliche Angaben");
    const early = await started.value.submit(4, { acceptTerms: true });
    expect(!early.ok && early.problem.title).toBe(
      "Zuerst muss ein früherer Schritt erledigt werden",
    );
    expect(sent.every((tag) => tag === "de")).toBe(true);
  });

  it("switches language for later requests of the client and its handles", async () => {
    const { client, sent } = setUp("de");
    const started = await client.start();
    if (!started.ok) throw new Error(started.problem.detail);
    const flow = started.value;
    client.setLanguage("ar");
    // The handle holds the German copy; its tag does not match the Arabic one.
    const read = await flow.get();
    expect(read.ok && read.value.currentStep?.title).toBe("المعلومات الشخصية");
    expect(flow.etag).toMatch(/-ar"$/);
    // Its Arabic tag names the state: a write under it goes through.
    const saved = await flow.submit("personal-info", personalInfo);
    expect(saved.ok && saved.value.currentStep?.title).toBe("تفاصيل العقد");
    client.setLanguage(undefined);
    expect(client.language).toBeUndefined();
    const english = await flow.get();
    expect(english.ok && english.value.currentStep?.title).toBe("Contract details");
    expect(sent.slice(-3)).toEqual(["ar", "ar", "fr"]);
  });
});
