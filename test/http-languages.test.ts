import { describe, expect, it } from "vitest";
import { createWaymark, defineFlow } from "waymark";
import type { FlowDescription, StepRepresentation } from "waymark/contract";
import { createMemoryStore } from "waymark/store/memory";
import { z } from "zod";
import { onboarding } from "../examples/onboarding/flow.ts";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type FlowView,
  origin,
  personalInfo,
} from "./support/http-client.ts";

const de = { "accept-language": "de" };
const ar = { "accept-language": "ar" };

describe("Accept-Language chooses the language of the answer", () => {
  it.each([
    ["de", "de", "Persönliche Angaben"],
    ["de-AT", "de", "Persönliche Angaben"],
    ["ar", "ar", "المعلومات الشخصية"],
    ["fr", "en", "Personal information"],
    ["fr, ar;q=0.8, de;q=0.5", "ar", "المعلومات الشخصية"],
    ["*", "en", "Personal information"],
    ["!!; q=zz,,,", "en", "Personal information"],
    ["x".repeat(2_000), "en", "Personal information"],
  ])("Accept-Language: %s answers in %s", async (header, language, title) => {
    const client = createHttpClient();
    const started = await client.send("POST", "/onboarding", {
      headers: { "accept-language": header },
    });
    expect(started.status).toBe(201);
    expect(started.headers.get("content-language")).toBe(language);
    expect(started.headers.get("vary")).toMatch(/\bAccept-Language\b/);
    const flow = (await started.json()) as FlowView;
    expect(flow.currentStep?.title).toBe(title);
    expect(flow.steps[0]?.title).toBe(title);
    const problem = await client.send("GET", "/onboarding/nope", {
      headers: { "accept-language": header },
    });
    expect(problem.headers.get("content-language")).toBe(language);
    await expectProblem(problem, 404, "flow-not-found");
  });

  it("translates the flow's title, description, step titles and schema texts", async () => {
    const client = createHttpClient();
    const described = await client.send("GET", "/onboarding", { headers: de });
    expect(described.headers.get("content-language")).toBe("de");
    const description = (await described.json()) as FlowDescription;
    expect(description.description).toBe(
      "Erzählen Sie uns etwas über sich und Ihren Vertrag, damit wir Ihren ersten Arbeitstag vorbereiten können.",
    );
    expect(description.steps.map((step) => step.title)).toEqual([
      "Persönliche Angaben",
      "Vertragsdetails",
      "Angaben zum Unternehmen",
      "Prüfen und bestätigen",
    ]);
    const company = description.steps[2]?.schema as { properties: Record<string, Schema> };
    expect(company.properties.vatId).toMatchObject({
      title: "USt-IdNr.",
      description: "Ländercode und Nummer, etwa DE123456789",
    });
    const english = (await (await client.send("GET", "/onboarding")).json()) as FlowDescription;
    expect(english.description).toBe(onboarding.description);
    expect(english.steps[0]?.schema).toEqual(onboarding.steps[0].jsonSchema);

    const { path } = await client.start();
    await client.putOk(path, 1, personalInfo);
    const step = await client.send("GET", `${path}/step/contract-details`, { headers: ar });
    expect(step.headers.get("content-language")).toBe("ar");
    const read = (await step.json()) as StepRepresentation;
    expect(read.title).toBe("تفاصيل العقد");
    const contract = read.schema as { properties: Record<string, Schema> };
    expect(contract.properties.contractType?.title).toBe("نوع العقد");
    expect(contract.properties.contractType?.anyOf).toEqual([
      expect.objectContaining({ const: "employee", title: "موظف" }),
      expect.objectContaining({ const: "contractor", title: "متعاقد مستقل" }),
    ]);
    // The definition's own schema is left as written.
    const written = onboarding.steps[1].jsonSchema as { properties: Record<string, Schema> };
    expect(written.properties.contractType?.title).toBe("Contract type");
  });

  it("answers every write in the request's language", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const saved = await client.put(path, 1, personalInfo, de);
    expect(saved.status).toBe(200);
    expect(saved.headers.get("content-language")).toBe("de");
    const flow = (await saved.json()) as FlowView;
    expect(flow.title).toBe("Onboarding");
    expect(flow.currentStep?.title).toBe("Vertragsdetails");
    const schema = flow.currentStep?.schema as { properties: Record<string, Schema> };
    expect(schema.properties.startDate?.title).toBe("Startdatum");
  });
});

type Schema = { title?: string; description?: string; anyOf?: unknown[] };

describe("problems in the request's language", () => {
  it("titles and details 404, 409, 412, 415 and 422 in German and Arabic", async () => {
    const client = createHttpClient();
    const unknown = await expectProblem(
      await client.send("GET", "/nowhere/x", { headers: de }),
      404,
      "unknown-flow",
    );
    expect(unknown).toMatchObject({ title: "Diesen Ablauf gibt es nicht" });

    const { path, etag } = await client.start();
    const early = await expectProblem(
      await client.put(path, 2, employeeContract, de),
      409,
      "step-out-of-order",
    );
    expect(early.title).toBe("Zuerst muss ein früherer Schritt erledigt werden");
    expect(early.detail).toBe(
      "Dieser Schritt ist noch nicht an der Reihe. Erledigen Sie zuerst Schritt 1 „personal-info“.",
    );
    expect(early).toMatchObject({ step: 1, stepName: "personal-info" });
    const earlyAr = await expectProblem(
      await client.put(path, 2, employeeContract, ar),
      409,
      "step-out-of-order",
    );
    expect(earlyAr.detail).toBe("لم يحن دور هذه الخطوة بعد. أكمل أولًا الخطوة 1 «personal-info».");

    await client.putOk(path, 1, personalInfo);
    const stale = await client.put(path, 2, employeeContract, { ...ar, "if-match": etag });
    expect(stale.headers.get("content-language")).toBe("ar");
    expect(await expectProblem(stale, 412, "precondition-failed")).toMatchObject({
      title: "تغيّر المسار منذ أن قرأته",
    });

    const wrongType = await client.send("PUT", `${path}/step/2`, {
      headers: { ...de, "content-type": "text/plain" },
      body: "hello",
    });
    expect(await expectProblem(wrongType, 415, "unsupported-media-type")).toMatchObject({
      title: "Senden Sie application/json",
    });

    const invalid = await expectProblem(
      await client.put(path, 2, { ...employeeContract, startDate: "soon" }, de),
      422,
      "invalid-step-data",
    );
    expect(invalid.title).toBe("Die Angaben zu diesem Schritt sind ungültig");
    expect(invalid.errors?.map((error) => error.path)).toEqual(["/startDate"]);
  });

  it("keeps English answers exactly as they were: the detail the error was raised with", async () => {
    const client = createHttpClient();
    const { path } = await client.start();
    const early = await expectProblem(
      await client.put(path, 2, employeeContract, { "accept-language": "fr" }),
      409,
      "step-out-of-order",
    );
    expect(early.title).toBe("An earlier step must be done first");
    expect(early.detail).toBe(
      'Step "contract-details" cannot be submitted yet; do step 1 "personal-info" first',
    );
  });

  it("names the methods allowed and the byte limit in the detail", async () => {
    const client = createHttpClient({ maxBodyBytes: 1_024 });
    const { path } = await client.start();
    const allowed = await expectProblem(
      await client.send("PATCH", path, { headers: de }),
      405,
      "method-not-allowed",
    );
    expect(allowed.detail).toBe("Verwenden Sie hier GET, HEAD, DELETE.");
    const large = await expectProblem(
      await client.put(path, 1, { firstName: "x".repeat(2_000) }, ar),
      413,
      "body-too-large",
    );
    expect(large.detail).toContain("1,024");
  });

  it("adds Accept-Language to the Vary CORS sends, keeping Origin", async () => {
    const client = createHttpClient({ cors: { origins: ["https://app.example.com"] } });
    const headers = { ...de, origin: "https://app.example.com" };
    const started = await client.send("POST", "/onboarding", { headers });
    const missing = await client.send("GET", "/onboarding/nope", { headers });
    for (const response of [started, missing]) {
      const vary = (response.headers.get("vary") ?? "").split(/\s*,\s*/);
      expect(vary).toEqual(expect.arrayContaining(["Origin", "Accept-Language"]));
    }
  });
});

describe("a flow's messages", () => {
  it("offers the languages a flow translates into besides Waymark's", async () => {
    const flow = defineFlow({
      name: "signup",
      title: "Sign up",
      ttl: "1h",
      messages: { fr: { "Sign up": "Inscription", Name: "Nom" } },
    }).step({ name: "name", schema: z.object({ name: z.string().meta({ title: "Name" }) }) });
    const waymark = createWaymark({ flows: [flow], store: createMemoryStore() });
    const headers = { "accept-language": "fr-CA" };
    const started = await waymark.fetch(
      new Request(`${origin}/signup`, { method: "POST", headers }),
    );
    expect(started.headers.get("content-language")).toBe("fr");
    const body = (await started.json()) as FlowView;
    expect(body.title).toBe("Inscription");
    expect(started.headers.get("etag")).toBe('"v1-fr"');
    const schema = body.currentStep?.schema as { properties: Record<string, Schema> };
    expect(schema.properties.name?.title).toBe("Nom");
  });

  it("answers 500 definition-error when a messages function throws, naming no message", async () => {
    const flow = defineFlow({
      name: "broken",
      ttl: "1h",
      messages: () => {
        throw new TypeError("ada@example.com");
      },
    }).step({ name: "only", schema: z.object({ name: z.string() }) });
    const waymark = createWaymark({ flows: [flow], store: createMemoryStore() });
    const response = await waymark.fetch(
      new Request(`${origin}/broken`, { method: "POST", headers: de }),
    );
    const problem = await expectProblem(response, 500, "definition-error");
    expect(problem).toMatchObject({ flow: "broken", hook: "messages" });
    expect(JSON.stringify(problem)).not.toContain("ada@example.com");
    // A problem needs no flow text: it is answered in German all the same.
    expect(problem.title).toBe("Die Definition des Ablaufs ist fehlgeschlagen");
    const missing = await waymark.fetch(new Request(`${origin}/broken/nope`, { headers: de }));
    await expectProblem(missing, 404, "flow-not-found");
  });

  // Regression: the answer was rendered after the write, so a throwing messages function
  // answered 500 for a write that had landed.
  it("refuses a write before writing when its messages function throws", async () => {
    const armed = { throws: false };
    const flow = defineFlow({
      name: "fragile",
      ttl: "1h",
      messages: (locale) => {
        if (armed.throws) throw new TypeError("broken");
        return locale === "de" ? { Name: "Name (de)" } : undefined;
      },
    })
      .step({ name: "first", schema: z.object({ name: z.string().meta({ title: "Name" }) }) })
      .step({ name: "second", schema: z.object({ done: z.boolean() }) });
    const waymark = createWaymark({ flows: [flow], store: createMemoryStore() });
    const call = (method: string, path: string, body?: unknown) =>
      waymark.fetch(
        new Request(`${origin}${path}`, {
          method,
          headers: { ...de, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const started = (await (await call("POST", "/fragile")).json()) as FlowView;
    const path = `/fragile/${started.flowId}`;
    armed.throws = true;
    await expectProblem(
      await call("PUT", `${path}/step/1`, { name: "Ada" }),
      500,
      "definition-error",
    );
    await expectProblem(await call("POST", "/fragile"), 500, "definition-error");
    // Erasing needs no text: it works whatever the messages do.
    armed.throws = false;
    const read = (await (await call("GET", path)).json()) as FlowView;
    expect(read.version).toBe(1);
    expect(read.currentStep?.name).toBe("first");
    armed.throws = true;
    expect((await call("DELETE", path)).status).toBe(204);
  });

  // Regression: a text such as "constructor" was read off the map's prototype, giving
  // "function Object() { [native code] }" as a German label.
  it("translates only a map's own texts, and ignores what a messages function returns that is not text", async () => {
    const flow = defineFlow({
      name: "protos",
      ttl: "1h",
      messages: (locale) =>
        (locale === "de" ? { Name: 42, toString: "nope" } : undefined) as unknown as Record<
          string,
          string
        >,
    }).step({
      name: "only",
      schema: z.strictObject({
        constructor: z.string().trim().min(1).meta({ title: "constructor" }),
        name: z.string().meta({ title: "Name" }),
      }),
    });
    const objectFlow = defineFlow({
      name: "protos-map",
      ttl: "1h",
      messages: { de: { Name: "Name (de)" } },
    }).step({
      name: "only",
      schema: z.strictObject({
        constructor: z.string().trim().min(1).meta({ title: "constructor" }),
      }),
    });
    const waymark = createWaymark({ flows: [flow, objectFlow], store: createMemoryStore() });
    for (const name of ["protos", "protos-map"]) {
      const started = await waymark.fetch(
        new Request(`${origin}/${name}`, { method: "POST", headers: de }),
      );
      const body = (await started.json()) as FlowView;
      const schema = body.currentStep?.schema as { properties: Record<string, Schema> };
      const properties = new Map(Object.entries(schema.properties));
      expect(properties.get("constructor")?.title).toBe("constructor");
      if (name === "protos") expect(properties.get("name")?.title).toBe("Name");
      const refused = await waymark.fetch(
        new Request(`${origin}/${name}/${body.flowId}/step/1`, {
          method: "PUT",
          headers: { ...de, "content-type": "application/json" },
          body: JSON.stringify({}),
        }),
      );
      const problem = await expectProblem(refused, 422, "invalid-step-data");
      expect(JSON.stringify(problem.errors)).not.toContain("native code");
    }
  });
});

describe("steps shown undecided", () => {
  // Regression: showing the plan ran `when` on a Proxy after the write; a `when` that
  // copies its data (structuredClone cannot copy a Proxy) answered 500 for a saved write.
  it("keep working with a when that copies its data", async () => {
    const flow = defineFlow({ name: "copies", ttl: "1h" })
      .step({ name: "kind", schema: z.strictObject({ kind: z.enum(["a", "b"]) }) })
      .step({
        name: "extra",
        schema: z.strictObject({ note: z.string() }),
        when: (data) => structuredClone(data).kind?.kind === "b",
      })
      .step({ name: "last", schema: z.strictObject({ ok: z.boolean() }) });
    const waymark = createWaymark({ flows: [flow], store: createMemoryStore() });
    const call = (method: string, path: string, body?: unknown) =>
      waymark.fetch(
        new Request(`${origin}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const started = await call("POST", "/copies");
    expect(started.status).toBe(201);
    const { flowId, steps } = (await started.json()) as FlowView & {
      steps: { status: string }[];
    };
    // Untraceable, so shown as the plan has it.
    expect(steps.map((step) => step.status)).toEqual(["current", "skipped", "pending"]);
    const written = await call("PUT", `/copies/${flowId}/step/1`, { kind: "b" });
    expect(written.status).toBe(200);
    expect((await call("GET", `/copies/${flowId}`)).status).toBe(200);
  });
});
