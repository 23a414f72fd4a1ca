import { describe, expect, it } from "vitest";
import { checkHistory, type Observation, type Operation } from "./support/register-history.ts";

// The history check of test/scale-concurrent-writes.test.ts, on hand-made histories: it
// must pass a correct one and catch each kind of anomaly.
const flow = "f";
const write = (name: string, base: number, result: Operation["result"], version?: number) => ({
  flowId: flow,
  name,
  base,
  result,
  ...(version === undefined ? {} : { version }),
});
const seen = (version: number, name?: string): Observation => ({ flowId: flow, version, name });

describe("the register history check", () => {
  it("passes one chain: each acknowledged write on the version before it, refused ones unseen", () => {
    const result = checkHistory(
      [flow],
      [
        write("a", 1, "ok", 2),
        write("b", 1, "fail"),
        write("c", 2, "ok", 3),
        write("d", 3, "info"),
      ],
      [seen(1), seen(2, "a"), seen(3, "c"), seen(4, "d")],
    );
    expect(result.lost).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect([result.ok, result.fail, result.info]).toEqual([2, 1, 1]);
  });

  it("finds two writes acknowledged as one version", () => {
    const result = checkHistory(
      [flow],
      [write("a", 1, "ok", 2), write("b", 1, "ok", 2)],
      [seen(2, "b")],
    );
    expect(result.lost).toEqual([
      "f: a and b both acknowledged as v2",
      "f: v2 after 2 acknowledged writes",
    ]);
  });

  it("finds an acknowledged write the flow's last version does not account for", () => {
    const result = checkHistory([flow], [write("a", 1, "ok", 2)], [seen(1)]);
    expect(result.lost).toEqual(["f: v1 after 1 acknowledged writes"]);
  });

  it("finds a refused write that was applied, and a state no write produced", () => {
    const refused = checkHistory([flow], [write("a", 1, "fail")], [seen(2, "a")]);
    expect(refused.unexpected).toEqual([
      "f v2 holds a, a write refused with 412",
      "f: v2 after 0 acknowledged and 0 unknown writes",
    ]);
    const invented = checkHistory([flow], [], [seen(2, "z")]);
    expect(invented.unexpected[0]).toBe("f v2 holds z, which no write of it sent");
  });

  it("finds a write applied on another version than its If-Match named", () => {
    const result = checkHistory(
      [flow],
      [write("a", 1, "info"), write("b", 1, "ok", 3)],
      [seen(3, "b")],
    );
    expect(result.unexpected).toContain("f: b based on v1 acknowledged as v3");
  });
});
