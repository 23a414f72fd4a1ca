// Type tests of the client: `tsc --noEmit` checks them (an unused @ts-expect-error is an
// error too). At run time no request leaves: the clients' fetch refuses every one.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { FlowDefinition, StepOutput } from "waymark";
import {
  type Client,
  createClient,
  type FlowHandle,
  type FlowValue,
  type ProblemDocument,
  type Result,
  type StepValue,
} from "waymark/client";
import type { FieldError, FlowDescription, FlowRepresentation } from "waymark/contract";
import type { onboarding } from "../examples/onboarding/flow.ts";

type Onboarding = typeof onboarding;
type Contract = { contractType: "employee" | "contractor"; startDate: string; role: string };

const offline = {
  baseUrl: "http://waymark.test",
  fetch: () => Promise.reject(new TypeError("offline")),
  retry: false,
} as const;
const client = createClient<Onboarding>({ ...offline, flow: "onboarding" });
const flow = client.resume("3f0c");
/** Every call made below, each answering the status-0 problem of the refusing fetch. */
const sent: Promise<Result<unknown>>[] = [];

describe("client types", () => {
  it("answers a discriminated union of a typed value or a problem", () => {
    expectTypeOf(client.start()).resolves.toEqualTypeOf<Result<FlowHandle<Onboarding>>>();
    expectTypeOf<Result<number>>().toEqualTypeOf<
      | { ok: true; value: number; etag: string | undefined }
      | { ok: false; problem: ProblemDocument; retryAfterMs?: number }
    >();
    expectTypeOf(client.describe()).resolves.toEqualTypeOf<Result<FlowDescription>>();
    expectTypeOf(flow.erase()).resolves.toEqualTypeOf<Result<null>>();
  });

  it("types the flow's data by step name", () => {
    expectTypeOf(flow.get()).resolves.toEqualTypeOf<Result<FlowValue<Onboarding>>>();
    type Data = FlowValue<Onboarding>["data"];
    expectTypeOf<Data["contract-details"]>().toEqualTypeOf<Readonly<Contract> | undefined>();
    expectTypeOf<Data["review"]>().toEqualTypeOf<Readonly<{ acceptTerms: true }> | undefined>();
    expectTypeOf(flow.latest).toEqualTypeOf<FlowValue<Onboarding> | undefined>();
    expectTypeOf(flow.id).toEqualTypeOf<string>();
    expectTypeOf(flow.etag).toEqualTypeOf<string | undefined>();
  });

  it("types a step read by name, and by number as any step's", () => {
    expectTypeOf(flow.step("contract-details")).resolves.toEqualTypeOf<
      Result<StepValue<Onboarding, "contract-details">>
    >();
    expectTypeOf<
      StepValue<Onboarding, "contract-details">["data"]
    >().toEqualTypeOf<Readonly<Contract> | null>();
    expectTypeOf(flow.step(2)).resolves.toEqualTypeOf<Result<StepValue<Onboarding>>>();
    expectTypeOf<NonNullable<StepValue<Onboarding>["data"]>>().toEqualTypeOf<
      Readonly<
        StepOutput<Onboarding, "personal-info" | "contract-details" | "company-details" | "review">
      >
    >();
    // @ts-expect-error no step is called "payment"
    sent.push(flow.step("payment"));
  });

  it("takes each step's input type by name", () => {
    sent.push(
      flow.submit("contract-details", {
        contractType: "contractor",
        startDate: "2027-01-04",
        role: "Engineer",
      }),
      flow.submit("review", { acceptTerms: true }),
      flow.submit(4, { acceptTerms: true }),
    );
  });

  it("refuses a wrong field type, a missing field, an unknown field and an unknown step", () => {
    sent.push(
      // @ts-expect-error "intern" is not a contract type
      flow.submit("contract-details", {
        contractType: "intern",
        startDate: "2027-01-04",
        role: "Engineer",
      }),
      // @ts-expect-error role is required
      flow.submit("contract-details", { contractType: "employee", startDate: "2027-01-04" }),
      // @ts-expect-error acceptTerms must be true
      flow.submit("review", { acceptTerms: false }),
      // @ts-expect-error the review step has no "notes"
      flow.submit("review", { acceptTerms: true, notes: "hi" }),
      // @ts-expect-error no step is called "payment"
      flow.submit("payment", { amount: 1 }),
      // @ts-expect-error step data is an object, not a string
      flow.submit(1, "Ada"),
    );
  });

  it("narrows on ok: a problem carries typed field errors", () => {
    const answered = (): Result<FlowValue<Onboarding>> => ({
      ok: false,
      problem: {
        type: "urn:waymark:problem:invalid-step-data",
        title: "",
        status: 422,
        detail: "",
      },
    });
    const result = answered();
    if (result.ok) {
      expectTypeOf(result.value.status).toEqualTypeOf<"in_progress" | "completed">();
      // @ts-expect-error a success has no problem
      expect(result.problem).toBeUndefined();
    } else {
      expectTypeOf(result.problem.errors).toEqualTypeOf<FieldError[] | undefined>();
      expectTypeOf(result.problem.status).toEqualTypeOf<number>();
    }
  });

  it("without a definition, drives any flow with loosely typed data", () => {
    const any: Client = createClient({ ...offline, flow: "anything" });
    expectTypeOf(any).toEqualTypeOf<Client<FlowDefinition>>();
    const handle = any.resume("3f0c");
    expectTypeOf(handle.latest).toEqualTypeOf<FlowRepresentation | undefined>();
    sent.push(handle.submit("any-step", { anything: 1 }), handle.submit(3, {}));
    // @ts-expect-error step data is still an object
    sent.push(handle.submit("any-step", 42));
  });

  it("checks its options", () => {
    createClient({
      baseUrl: new URL("http://waymark.test/api"),
      flow: "onboarding",
      fetch: (request) => fetch(request),
      headers: async () => ({ authorization: "Bearer app-session" }),
      credentials: "include",
      timeoutMs: 5_000,
      retry: { attempts: 5, baseDelayMs: 10, maxDelayMs: 1_000 },
    });
    createClient({ baseUrl: "http://waymark.test", flow: "onboarding", retry: false });
    // @ts-expect-error the flow's name is required
    createClient({ baseUrl: "http://waymark.test" });
    // @ts-expect-error credentials are fetch's three modes
    createClient({ baseUrl: "http://waymark.test", flow: "onboarding", credentials: "always" });
    sent.push(client.start({ idempotencyKey: false }), client.start({ idempotencyKey: "k-1" }));
  });

  it("sent nothing anywhere: each call above answered a status-0 problem", async () => {
    const results = await Promise.all(sent);
    expect(results.length).toBe(15);
    for (const result of results)
      expect(result).toMatchObject({ ok: false, problem: { status: 0 } });
  });
});
