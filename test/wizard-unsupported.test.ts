import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { unsupportedFields, type WizardAssets } from "waymark/wizard";
import { onboarding } from "../examples/onboarding/flow.ts";
import { trip } from "./fixtures/unsupported-fields-flow.ts";
import { startServer } from "./support/processes.ts";

/** A logger that keeps what it is given. */
function capture() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

/** Stand-in assets: only whether the wizard is on matters here. */
const asset = { body: "", etag: '"0"', contentType: "text/plain" };
const wizard = { script: asset, style: asset } as unknown as WizardAssets;

describe("the wizard's start-up report of fields it cannot edit", () => {
  it("warns once per field, with flow, step, JSON Pointer and reason, when the wizard is on", () => {
    const { lines, logger } = capture();
    createWaymark({
      flows: [onboarding, trip],
      store: createSqliteStore({ path: ":memory:" }),
      wizard,
      logger,
    });
    expect(lines.filter((line) => line.level === "warn")).toEqual([
      {
        level: "warn",
        message: "the wizard cannot edit this field",
        fields: {
          flow: "trip",
          step: "route",
          path: "/at",
          reason: "a list whose positions differ (prefixItems)",
        },
      },
      {
        level: "warn",
        message: "the wizard cannot edit this field",
        fields: {
          flow: "trip",
          step: "route",
          path: "/labels",
          reason: "an object with free-form keys (additionalProperties)",
        },
      },
    ]);
  });

  it("gives the same list to users, from waymark/wizard", () => {
    expect(unsupportedFields(trip).map((field) => field.path)).toEqual(["/at", "/labels"]);
  });

  it("says nothing without the wizard", () => {
    const { lines, logger } = capture();
    createWaymark({ flows: [trip], store: createSqliteStore({ path: ":memory:" }), logger });
    expect(lines).toEqual([]);
  });

  it("`waymark serve` logs the warnings at start-up, and not with --no-wizard", async () => {
    const flows = "test/fixtures/unsupported-fields-flow.ts";
    const served = await startServer({ flows, store: "sqlite::memory:" });
    const quiet = await startServer({ flows, store: "sqlite::memory:", args: ["--no-wizard"] });
    try {
      const warnings = (output: string) =>
        output
          .split("\n")
          .filter((line) => line.includes("the wizard cannot edit this field"))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(warnings(served.output()).map((line) => [line.level, line.path])).toEqual([
        [40, "/at"],
        [40, "/labels"],
      ]);
      expect(warnings(quiet.output())).toEqual([]);
    } finally {
      await served.stop();
      await quiet.stop();
    }
  });
});
