import { describe, expect, it } from "vitest";
import type { FlowChange } from "../src/flow/diff.ts";
import { runCli } from "./support/processes.ts";

const fixture = (name: string) => `test/fixtures/diff/${name}.ts`;
const deployed = fixture("signup-v1");

describe("waymark diff", () => {
  it("exits 0 for compatible changes and prints a table per flow", async () => {
    const { code, stdout, stderr } = await runCli([
      "diff",
      deployed,
      fixture("signup-v2-compatible"),
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.split("\n").map((line) => line.trimEnd());
    expect(lines).toContain("feedback  (none) → v1");
    expect(lines).toContain("newsletter  v1 → v1: no changes");
    expect(lines).toContain("signup  v1 → v2");
    expect(stdout).toMatch(/^ {2}ttl-changed +- +- +ttl 7d → 30d +compatible$/m);
    expect(stdout).toMatch(/^ {2}field-added +account +\/phone +added, optional +compatible$/m);
    expect(stdout).toMatch(/^ {2}step-added +referral +- +added as step 4 +compatible$/m);
    expect(lines.at(-2)).toBe("no breaking change");
  });

  it("exits 1 for breaking changes no migration covers", async () => {
    const { code, stdout } = await runCli(["diff", deployed, fixture("signup-v2-breaking")]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}field-added +account +\/phone +added, required +breaking$/m);
    expect(stdout).toMatch(/^ {2}step-renamed +employer +- +renamed from company +breaking$/m);
    expect(stdout).toMatch(/^ {2}flow-removed +- +- +removed, was v1 +breaking$/m);
    expect(stdout).toContain("4 breaking changes not covered by a migration or policy\n");
  });

  it("exits 0 when a migration from the old version covers every breaking change", async () => {
    const { code, stdout } = await runCli(["diff", deployed, fixture("signup-v2-fake-migration")]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^ {2}enum-value-removed +plan +\/plan +enum value "free" removed +breaking, covered for v1 flows$/m,
    );
    expect(stdout).toContain("3 breaking changes, all covered\n");
  });

  it("prints the changes as JSON with --json, with the same keys on every change", async () => {
    const { code, stdout } = await runCli([
      "diff",
      deployed,
      fixture("signup-v2-breaking"),
      "--json",
    ]);
    expect(code).toBe(1);
    const changes = JSON.parse(stdout) as FlowChange[];
    for (const change of changes) {
      expect(Object.keys(change)).toEqual([
        "flow",
        "kind",
        "step",
        "path",
        "keyword",
        "from",
        "to",
        "breaking",
        "covered",
      ]);
    }
    expect(changes.map((change) => [change.flow, change.kind, change.step, change.path])).toEqual([
      ["newsletter", "flow-removed", null, null],
      ["signup", "field-added", "account", "/phone"],
      ["signup", "step-renamed", "employer", null],
      ["signup", "enum-value-removed", "plan", "/plan"],
    ]);
    expect(changes[3]).toEqual({
      flow: "signup",
      kind: "enum-value-removed",
      step: "plan",
      path: "/plan",
      keyword: "enum",
      from: "free",
      to: null,
      breaking: true,
      covered: false,
    });
  });

  it("exits 2 naming the file that does not load, and why", async () => {
    const missing = fixture("missing");
    const absent = await runCli(["diff", missing, deployed]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(
      `waymark: cannot load flows from ${missing}: Cannot find module`,
    );
    expect(absent.stdout).toBe("");
    const broken = await runCli(["diff", deployed, "test/fixtures/duplicate-step-flow.ts"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      'waymark: cannot load flows from test/fixtures/duplicate-step-flow.ts: flow "broken": step 2 repeats the name "same"\n',
    );
  });

  it("exits 2 on a usage error", async () => {
    const { code, stderr } = await runCli(["diff", deployed]);
    expect(code).toBe(2);
    expect(stderr).toContain("missing required argument 'new'");
  });
});
