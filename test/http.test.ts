import { describe, expect, it } from "vitest";
import {
  companyDetails,
  contractorContract,
  createHttpClient,
  dayMs,
  employeeContract,
  expectProblem,
  type FlowView,
  personalInfo,
  review,
  type StepView,
  startTime,
} from "./support/http-client.ts";

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function statuses(flow: FlowView): string[] {
  return flow.steps.map((step) => `${step.number}:${step.name}:${step.status}`);
}

describe("HTTP walkthrough", () => {
  it("POST /onboarding creates a flow: 201, Location, ETag and the first step's schema", async () => {
    const client = createHttpClient();
    const response = await client.send("POST", "/onboarding");

    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json\b/);
    const flow = (await response.json()) as FlowView;
    expect(flow.flowId).toMatch(uuidV4);
    expect(response.headers.get("location")).toBe(`/onboarding/${flow.flowId}`);
    expect(response.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect(flow).toMatchObject({
      flow: "onboarding",
      version: 1,
      status: "in_progress",
      data: {},
      createdAt: startTime.toISOString(),
      updatedAt: startTime.toISOString(),
      expiresAt: new Date(startTime.getTime() + 7 * dayMs).toISOString(),
    });
    expect(statuses(flow)).toEqual([
      "1:personal-info:current",
      "2:contract-details:pending",
      // Whether it applies waits on the contract type, not chosen yet.
      "3:company-details:undecided",
      "4:review:pending",
    ]);
    expect(flow.currentStep).toMatchObject({
      number: 1,
      name: "personal-info",
      href: `/onboarding/${flow.flowId}/step/1`,
      schema: {
        type: "object",
        required: ["firstName", "lastName", "email", "dateOfBirth"],
        additionalProperties: false,
      },
    });
  });

  it("gives every new flow a different id", async () => {
    const client = createHttpClient();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await client.start()).flow.flowId);
    expect(ids.size).toBe(20);
  });

  it("employee path: steps 1, 2, 4 by number; step 3 is skipped; review completes", async () => {
    const client = createHttpClient();
    const { path } = await client.start();

    const afterOne = await client.putOk(path, 1, personalInfo);
    expect(afterOne).toMatchObject({ version: 2, status: "in_progress" });
    expect(afterOne.currentStep?.name).toBe("contract-details");

    const afterTwo = await client.putOk(path, 2, employeeContract);
    expect(statuses(afterTwo)).toEqual([
      "1:personal-info:done",
      "2:contract-details:done",
      "3:company-details:skipped",
      "4:review:current",
    ]);
    expect(afterTwo.currentStep?.number).toBe(4);

    const done = await client.putOk(path, 4, review);
    expect(done.status).toBe("completed");
    expect(done.version).toBe(4);
    expect(done.currentStep).toBeUndefined();
    expect(done.data).toEqual({
      "personal-info": personalInfo,
      "contract-details": employeeContract,
      review,
    });
  });

  it("contractor path: step 3 applies and must be done before the review, by name", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, "personal-info", personalInfo);
    const afterTwo = await client.putOk(path, "contract-details", contractorContract);
    expect(statuses(afterTwo)).toEqual([
      "1:personal-info:done",
      "2:contract-details:done",
      "3:company-details:current",
      "4:review:pending",
    ]);

    const early = await client.put(path, "review", review);
    const problem = await expectProblem(early, 409, "step-out-of-order");
    expect(problem).toMatchObject({ step: 3, stepName: "company-details" });

    await client.putOk(path, "company-details", companyDetails);
    const done = await client.putOk(path, "review", review);
    expect(done.status).toBe("completed");
    expect(done.data["company-details"]).toEqual(companyDetails);
    expect(statuses(done).every((status) => status.endsWith(":done"))).toBe(true);
  });

  it("accepts the seed's envelope body { personalInfo: {...} } and the bare data alike", async () => {
    const client = createHttpClient();
    const enveloped = await client.start();
    const bare = await client.start();

    const a = await client.putOk(enveloped.path, 1, { personalInfo });
    const b = await client.putOk(bare.path, 1, personalInfo);
    expect(a.data["personal-info"]).toEqual(personalInfo);
    expect(b.data["personal-info"]).toEqual(personalInfo);

    const c = await client.putOk(enveloped.path, 2, { contractDetails: contractorContract });
    expect(c.data["contract-details"]).toEqual(contractorContract);
    const d = await client.putOk(enveloped.path, 3, { "company-details": companyDetails });
    expect(d.data["company-details"]).toEqual(companyDetails);
    expect((await client.putOk(enveloped.path, 4, { review })).status).toBe("completed");
  });

  it("GET of a completed flow shows status completed and no currentStep", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, employeeContract);
    await client.putOk(path, 4, review);

    const { flow } = await client.read(path);
    expect(flow.status).toBe("completed");
    expect(flow).not.toHaveProperty("currentStep");
    expect(flow.links).not.toHaveProperty("current");
    expect(flow.data.review).toEqual(review);
  });

  it("GET step returns its saved data, status and schema, by number and by name", async () => {
    const client = createHttpClient();
    const { path, flow } = await client.start();
    await client.putOk(path, 1, personalInfo);

    for (const ref of ["1", "personal-info"]) {
      const response = await client.send("GET", `${path}/step/${ref}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const step = (await response.json()) as StepView;
      expect(step).toMatchObject({
        flowId: flow.flowId,
        number: 1,
        name: "personal-info",
        status: "done",
        data: personalInfo,
      });
      expect(step.schema).toMatchObject({ type: "object", additionalProperties: false });
      expect(Object.keys(step.schema.properties ?? {})).toEqual([
        "firstName",
        "lastName",
        "email",
        "dateOfBirth",
      ]);
    }

    const next = (await (await client.send("GET", `${path}/step/2`)).json()) as StepView;
    expect(next).toMatchObject({ number: 2, status: "current", data: null });
    const undecided = (await (await client.send("GET", `${path}/step/3`)).json()) as StepView;
    expect(undecided).toMatchObject({ number: 3, status: "undecided", data: null });
  });

  it("editing an earlier step drops the data of a step that stops applying", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, contractorContract);
    await client.putOk(path, 3, companyDetails);

    const edited = await client.putOk(path, 2, employeeContract);
    expect(edited.data).not.toHaveProperty("company-details");
    expect(edited.currentStep?.name).toBe("review");
  });

  it("trims strings the schema trims, so the saved data is the normalised form", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const flow = await client.putOk(path, 1, { ...personalInfo, firstName: "  Ada  " });
    expect(flow.data["personal-info"]?.firstName).toBe("Ada");
  });
});

describe("health", () => {
  it("/healthz and /readyz answer 200", async () => {
    const client = createHttpClient();
    const health = await client.send("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await client.send("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});
