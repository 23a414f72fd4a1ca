import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadFlows } from "../src/cli/load-flows.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a flow file importing Waymark's sources and returns its path. */
function flowFile(name: string, body: string): string {
  const path = join(dir, name);
  const define = new URL("../src/flow/define.ts", import.meta.url).href;
  writeFileSync(path, `import { defineFlow } from ${JSON.stringify(define)};\n${body}\n`);
  return path;
}

describe("loadFlows", () => {
  it("says when a flow was started but given no step", async () => {
    const path = flowFile(
      "stepless.mjs",
      `export default defineFlow({ name: "bare", ttl: "1h" });`,
    );
    await expect(loadFlows(path)).rejects.toThrow(
      `${path} exports a flow with no steps: add them with .step({ name, schema })`,
    );
  });

  it("says when a file exports no flow at all", async () => {
    const path = flowFile("nothing.mjs", "export const answer = 42;");
    await expect(loadFlows(path)).rejects.toThrow(`${path} exports no flow`);
  });
});
