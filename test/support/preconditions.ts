import { afterEach, describe, expect, it } from "vitest";
import { createWaymark, type FlowStore } from "waymark";
import type { FlowRepresentation } from "waymark/contract";
import type { TokenMode } from "waymark/token";
import { onboarding } from "../../examples/onboarding/flow.ts";
import { employeeContract, personalInfo } from "./onboarding-data.ts";

/** Where flows are kept for one test, and how to let it go. */
export type Keeping = {
  keeping: { store: FlowStore } | { tokens: TokenMode };
  close(): Promise<void>;
};

/** The two entity tags a case may name: the flow's current one, and one it had before. */
interface Tags {
  current: string;
  old: string;
}

type Case = [
  label: string,
  method: "GET" | "GET step" | "PUT" | "DELETE",
  headers: (tags: Tags) => Record<string, string>,
  status: number,
];

/**
 * RFC 9110 §13.2.2 on every route: If-Match (strong), then If-None-Match (weak); a false
 * condition is 412 on any method, a matching If-None-Match is 304 on reads, 412 on writes.
 */
const cases: Case[] = [
  // The named faults: preconditions ignored on writes.
  ["PUT with If-None-Match: * on a flow that exists", "PUT", () => ({ "if-none-match": "*" }), 412],
  ["PUT with If-None-Match: the current ETag", "PUT", (t) => ({ "if-none-match": t.current }), 412],
  [
    "PUT with a matching If-Match and If-None-Match: *",
    "PUT",
    (t) => ({ "if-match": t.current, "if-none-match": "*" }),
    412,
  ],
  [
    "DELETE with If-None-Match: the current ETag",
    "DELETE",
    (t) => ({ "if-none-match": t.current }),
    412,
  ],
  // Their neighbours.
  ["DELETE with If-None-Match: *", "DELETE", () => ({ "if-none-match": "*" }), 412],
  ["DELETE with a stale If-Match", "DELETE", (t) => ({ "if-match": t.old }), 412],
  ["DELETE with If-None-Match: an old ETag", "DELETE", (t) => ({ "if-none-match": t.old }), 204],
  ["PUT with a stale If-Match", "PUT", (t) => ({ "if-match": t.old }), 412],
  [
    "PUT with a weak If-Match (strong comparison)",
    "PUT",
    (t) => ({ "if-match": `W/${t.current}` }),
    412,
  ],
  ["PUT with If-None-Match: an old ETag", "PUT", (t) => ({ "if-none-match": t.old }), 200],
  ["PUT with If-Match: *", "PUT", () => ({ "if-match": "*" }), 200],
  ["GET with a stale If-Match", "GET", (t) => ({ "if-match": t.old }), 412],
  ["GET with the current If-Match", "GET", (t) => ({ "if-match": t.current }), 200],
  ["GET with If-None-Match: the current ETag", "GET", (t) => ({ "if-none-match": t.current }), 304],
  [
    "GET with If-None-Match: weak, current",
    "GET",
    (t) => ({ "if-none-match": `W/${t.current}` }),
    304,
  ],
  ["GET with If-None-Match: *", "GET", () => ({ "if-none-match": "*" }), 304],
  ["GET with If-None-Match: an old ETag", "GET", (t) => ({ "if-none-match": t.old }), 200],
  [
    "GET with a stale If-Match and a matching If-None-Match (If-Match first)",
    "GET",
    (t) => ({ "if-match": t.old, "if-none-match": t.current }),
    412,
  ],
  ["GET of a step with a stale If-Match", "GET step", (t) => ({ "if-match": t.old }), 412],
  [
    "GET of a step with If-None-Match: current",
    "GET step",
    (t) => ({ "if-none-match": t.current }),
    304,
  ],
];

/**
 * Registers the precondition table for one way of keeping flows. Each case starts a
 * flow, does step 1 (so an old ETag exists), sends the request, and checks the status
 * and, after a 412, that the flow is exactly as it was.
 */
export function describePreconditions(name: string, open: () => Promise<Keeping>): void {
  describe(`RFC 9110 preconditions, ${name}`, () => {
    let close = async () => {};
    afterEach(() => close());

    it.each(cases)("%s: %i", async (_label, method, headers, status) => {
      const kept = await open();
      close = () => kept.close();
      const waymark = createWaymark({ flows: [onboarding], ...kept.keeping });
      const send = (verb: string, path: string, extra: Record<string, string>, body?: unknown) =>
        waymark.fetch(
          new Request(`http://waymark.test${path}`, {
            method: verb,
            headers: { "content-type": "application/json", ...extra },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
        );
      const created = await send("POST", "/onboarding", {});
      const old = created.headers.get("etag") ?? "";
      const first = await send(
        "PUT",
        `${created.headers.get("location")}/step/1`,
        {},
        personalInfo,
      );
      expect(first.status).toBe(200);
      const path = first.headers.get("location") ?? created.headers.get("location") ?? "";
      const current = first.headers.get("etag") ?? "";
      const tags = { current, old };

      const response =
        method === "PUT"
          ? await send("PUT", `${path}/step/2`, headers(tags), employeeContract)
          : await send(
              method === "GET step" ? "GET" : method,
              method === "GET step" ? `${path}/step/1` : path,
              headers(tags),
            );
      expect(response.status, await response.clone().text()).toBe(status);
      if (status === 412) {
        const problem = (await response.json()) as { type: string };
        expect(problem.type).toBe("urn:waymark:problem:precondition-failed");
        const after = await send("GET", path, {});
        expect(after.headers.get("etag")).toBe(current);
        expect(((await after.json()) as FlowRepresentation).version).toBe(2);
      }
      if (status === 304) {
        expect(response.headers.get("etag")).toBe(current);
        expect(await response.text()).toBe("");
      }
    });
  });
}
