import { describe, expect, it } from "vitest";
import { createSqliteStore } from "../src/store/sqlite.ts";
import {
  companyDetails,
  contractorContract,
  createHttpClient,
  dayMs,
  employeeContract,
  expectProblem,
  personalInfo,
  review,
} from "./support/http-client.ts";

describe("HTTP errors: addressing", () => {
  it("an unknown flow name is 404 on every route", async () => {
    const client = createHttpClient();
    const { flow } = await client.start();
    await expectProblem(await client.send("POST", "/offboarding"), 404, "unknown-flow");
    await expectProblem(
      await client.send("GET", `/offboarding/${flow.flowId}`),
      404,
      "unknown-flow",
    );
    await expectProblem(
      await client.put(`/offboarding/${flow.flowId}`, 1, personalInfo),
      404,
      "unknown-flow",
    );
  });

  it.each([
    ["a well-formed but unknown UUID", "/onboarding/3f0c1a52-9a8e-4d4b-9f1e-7b2d1c0e5a11"],
    ["garbage", "/onboarding/not-a-flow"],
    ["percent-encoded junk", "/onboarding/%FF%00%2F..%2F"],
    ["a huge id", `/onboarding/${"a".repeat(5000)}`],
  ])("an unknown flow id (%s) is 404", async (_label, path) => {
    const client = createHttpClient();
    await expectProblem(await client.send("GET", path), 404, "flow-not-found");
    await expectProblem(await client.send("DELETE", path), 404, "flow-not-found");
    await expectProblem(await client.put(path, 1, personalInfo), 404, "flow-not-found");
    await expectProblem(await client.send("GET", `${path}/step/1`), 404, "flow-not-found");
  });

  it.each(["0", "5", "nope", "-1", "1.0", "01", "99999"])(
    "an unknown step (step/%s) is 404 on GET and PUT",
    async (ref) => {
      const client = createHttpClient();
      const { path, etag } = await client.start();
      await expectProblem(await client.send("GET", `${path}/step/${ref}`), 404, "step-not-found");
      await expectProblem(await client.put(path, ref, personalInfo), 404, "step-not-found");
      await client.expectUnchanged(path, { version: 1, etag });
    },
  );

  it.each([
    ["PATCH", "", "GET, HEAD, DELETE"],
    ["POST", "", "GET, HEAD, DELETE"],
    ["PUT", "", "GET, HEAD, DELETE"],
    ["POST", "/step/1", "GET, HEAD, PUT"],
    ["DELETE", "/step/1", "GET, HEAD, PUT"],
  ])("%s on the flow%s is 405 with an Allow header", async (method, suffix, allow) => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const response = await client.send(method, `${path}${suffix}`, { json: personalInfo });
    expect(response.headers.get("allow")).toBe(allow);
    await expectProblem(response, 405, "method-not-allowed");
    await client.expectUnchanged(path, { version: 1, etag });
  });

  it("PUT and DELETE on the flow collection are 405 with Allow: GET, HEAD, POST", async () => {
    const client = createHttpClient();
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const response = await client.send(method, "/onboarding");
      expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
      await expectProblem(response, 405, "method-not-allowed");
    }
  });

  // Guards against the health routes answering "no flow named healthz" to other methods.
  it("POST, PUT and DELETE on /healthz and /readyz are 405 with Allow", async () => {
    const client = createHttpClient();
    for (const method of ["POST", "PUT", "DELETE"]) {
      for (const path of ["/healthz", "/readyz"]) {
        const response = await client.send(method, path);
        expect(response.headers.get("allow"), `${method} ${path}`).toBe("GET, HEAD");
        await expectProblem(response, 405, "method-not-allowed");
      }
    }
  });

  it.each(["/", "/onboarding/x/y", "/onboarding/x/step", "/onboarding/x/step/1/more", "/a/b/c/d"])(
    "an unknown route (%s) is a 404 problem",
    async (path) => {
      const client = createHttpClient();
      await expectProblem(await client.send("GET", path), 404, "route-not-found");
    },
  );
});

describe("HTTP errors: flow state", () => {
  it("skipping ahead is 409 naming the step to do first", async () => {
    const client = createHttpClient();
    const { path, etag } = await client.start();
    const problem = await expectProblem(
      await client.put(path, 2, employeeContract),
      409,
      "step-out-of-order",
    );
    expect(problem).toMatchObject({ step: 1, stepName: "personal-info" });
    expect(problem.detail).toContain("personal-info");
    await client.expectUnchanged(path, { version: 1, etag });
  });

  it("PUT to a skipped step is 409 naming the current step", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, employeeContract);
    const before = await client.read(path);

    const problem = await expectProblem(
      await client.put(path, 3, companyDetails),
      409,
      "step-not-applicable",
    );
    expect(problem).toMatchObject({ step: 4, stepName: "review" });
    await client.expectUnchanged(path, { version: before.flow.version, etag: before.etag });
  });

  it("PUT after completion is 409 for any change; a retried final step is a no-op", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    await client.putOk(path, 2, contractorContract);
    await client.putOk(path, 3, companyDetails);
    await client.putOk(path, 4, review);
    const before = await client.read(path);

    for (const [step, data] of [
      [1, { ...personalInfo, firstName: "Grace" }],
      [2, employeeContract],
      [4, { acceptTerms: false }],
    ] as const) {
      await expectProblem(await client.put(path, step, data), 409, "flow-completed");
    }
    const retried = await client.put(path, 4, review);
    expect(retried.status).toBe(200);
    expect(retried.headers.get("etag")).toBe(before.etag);
    await client.expectUnchanged(path, { version: before.flow.version, etag: before.etag });
  });

  it("an expired flow is 410 on GET and PUT; DELETE still answers 204", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const client = createHttpClient({ store });
    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);

    client.advance(7 * dayMs - 1);
    expect((await client.send("GET", path)).status).toBe(200);
    client.advance(2);

    await expectProblem(await client.send("GET", path), 410, "flow-expired");
    await expectProblem(await client.send("GET", `${path}/step/1`), 410, "flow-expired");
    await expectProblem(await client.put(path, 2, employeeContract), 410, "flow-expired");
    await expectProblem(await client.put(path, 1, personalInfo), 410, "flow-expired");
    expect((await store.load(path.split("/")[2] ?? ""))?.version).toBe(2);

    const deleted = await client.send("DELETE", path);
    expect(deleted.status).toBe(204);
    await expectProblem(await client.send("GET", path), 404, "flow-not-found");
  });

  it("DELETE answers 204 and erases the flow: GET, PUT and DELETE then answer 404", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const client = createHttpClient({ store });
    const { path, flow } = await client.start();
    await client.putOk(path, 1, personalInfo);

    const response = await client.send("DELETE", path);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(await store.load(flow.flowId)).toBeUndefined();

    await expectProblem(await client.send("GET", path), 404, "flow-not-found");
    await expectProblem(await client.put(path, 2, employeeContract), 404, "flow-not-found");
    await expectProblem(await client.send("DELETE", path), 404, "flow-not-found");
  });

  it("problem responses are not cacheable", async () => {
    const client = createHttpClient();
    const response = await client.send("GET", "/onboarding/nope");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});
