import { describe, expect, it } from "vitest";
import { type CompletingFlow, defineFlow } from "waymark";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type FlowView,
  personalInfo,
  review,
} from "./support/http-client.ts";
import { startWebhookReceiver } from "./support/webhook-receiver.ts";

const taken = new Set(["ada@example.com"]);

describe("beforeComplete", () => {
  const seen: CompletingFlow[] = [];
  const vetoed = defineFlow({
    name: "onboarding",
    ttl: "7d",
    steps: onboarding.steps,
    beforeComplete: async (flow) => {
      seen.push(flow);
      const email = flow.data["personal-info"]?.email;
      return typeof email === "string" && taken.has(email)
        ? [{ path: "/email", message: "This email is already registered" }]
        : undefined;
    },
  });

  it("refuses the completing write with its errors as 422 on the step submitted, and saves nothing", async () => {
    const client = createHttpClient({ flows: [vetoed] });
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, employeeContract);
    const refused = await expectProblem(
      await client.put(path, 4, review),
      422,
      "invalid-step-data",
    );
    expect(refused.errors).toEqual([
      {
        path: "/email",
        code: "custom",
        params: {},
        message: "This email is already registered",
      },
    ]);
    // Called once, before the compare-and-set, with the data as it would have been saved.
    expect(seen.at(-1)?.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": employeeContract,
      review,
    });
    const after = (await client.read(path)).flow;
    expect(after).toMatchObject({
      status: "in_progress",
      version: 3,
      currentStep: { name: "review" },
    });

    // The user fixes the email; the flow then completes.
    await client.putOk(path, 1, { ...personalInfo, email: "grace@example.com" });
    const done = await client.putOk(path, 4, review);
    expect(done.status).toBe("completed");
  });

  it("is not asked on a write that does not complete the flow", async () => {
    const client = createHttpClient({ flows: [vetoed] });
    seen.length = 0;
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, employeeContract);
    expect(seen).toEqual([]);
  });
});

describe("completion in token mode, which has no outbox", () => {
  it("reaches the webhooks before the answer: a receiver that fails refuses the completion with 503, the retry delivers it", async () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
    const receiver = await startWebhookReceiver(secret);
    try {
      receiver.answer((_request, count) => ({ status: count === 1 ? 500 : 204 }));
      const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
      const client = createHttpClient({
        flows: [onboarding],
        tokens,
        webhooks: [{ url: `${receiver.origin}/hooks`, secret }],
      });
      let { path } = await client.start();
      const follow = async (response: Response) => {
        expect(response.status).toBe(200);
        path = response.headers.get("location") ?? path;
        return (await response.json()) as FlowView;
      };
      await follow(await client.put(path, 1, personalInfo));
      await follow(await client.put(path, 2, employeeContract));
      // Only flow.completed is sent in token mode: nothing arrived so far.
      expect(receiver.received).toEqual([]);

      const failed = await client.put(path, 4, review);
      await expectProblem(failed, 503, "delivery-unavailable");
      expect(failed.headers.get("retry-after")).toBe("5");
      expect(failed.headers.get("location")).toBeNull();

      const done = await follow(await client.put(path, 4, review));
      expect(done.status).toBe("completed");
      const ids = receiver.received.map((r) => r.headers["webhook-id"]);
      expect(ids).toHaveLength(2);
      // The same event both times: receivers deduplicate on it.
      expect(ids[0]).toBe(ids[1]);
      expect(receiver.received.every((r) => r.verifyError === undefined)).toBe(true);
      expect(receiver.received[1]?.payload).toMatchObject({ type: "flow.completed" });
    } finally {
      await receiver.close();
    }
  });
});

describe("webhook endpoints given in code", () => {
  const secret = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
  it.each([
    [{ url: "ftp://example.com/hooks", secret }, /must be http: or https:/],
    [
      { url: "https://example.com/hooks", secret: "hunter2" },
      /is not whsec_ followed by 24 to 64 bytes in base64/,
    ],
    [
      { url: "https://example.com/hooks", secret, events: ["flow.finished"] },
      /"flow\.finished", which is no event type/,
    ],
    [
      { url: "https://example.com/hooks", secret, flows: ["checkout"] },
      /"checkout", which is no flow served/,
    ],
    [{ url: "https://example.com/hooks", secret, timeoutMs: 0 }, /positive whole number of ms/],
  ])("are refused at creation when malformed: %j", (endpoint, message) => {
    expect(() => createHttpClient({ flows: [onboarding], webhooks: [endpoint as never] })).toThrow(
      message,
    );
  });

  it("name a URL by its origin only: its path or query may carry a token", () => {
    const url = "https://example.com/hooks?token=s3cr3t";
    expect(() => createHttpClient({ webhooks: [{ url, secret: "nope" }] })).toThrow(
      /^(?!.*s3cr3t).*https:\/\/example\.com/,
    );
  });
});

describe("startDelivery", () => {
  it("starts nothing where there is nothing to deliver to: no webhooks, no onComplete, or token mode", async () => {
    expect(createHttpClient({ flows: [onboarding] }).waymark.startDelivery()).toBeUndefined();
    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const webhooks = [{ url: "http://127.0.0.1:9/hooks", secret: `whsec_${"A".repeat(43)}=` }];
    expect(
      createHttpClient({ flows: [onboarding], tokens, webhooks }).waymark.startDelivery(),
    ).toBeUndefined();
    const delivery = createHttpClient({ flows: [onboarding], webhooks }).waymark.startDelivery();
    expect(delivery).toBeDefined();
    await delivery?.stop();
  });
});
