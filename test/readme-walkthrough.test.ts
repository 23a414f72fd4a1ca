import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyEntry } from "../src/token/jwe.ts";
import { killAll, type ServerProcess, startServer } from "./support/processes.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const run = promisify(execFile);

/** The shell code of the README block marked `<!-- walkthrough:NAME -->`. */
function block(name: string): string {
  const start = readme.indexOf(`<!-- walkthrough:${name} -->`);
  const end = readme.indexOf("<!-- walkthrough:end -->", start);
  const match = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end));
  if (start < 0 || !match?.[1]) throw new Error(`README has no walkthrough block "${name}"`);
  return match[1];
}

describe("the README walkthrough, run with curl as printed", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "waymark-readme-"));
    server = await startServer({ store: `sqlite:${join(dir, "flows.db")}` });
  });
  afterAll(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function shell(...names: string[]): Promise<string> {
    const script = names
      .map(block)
      .join("\n")
      .replace("BASE=http://localhost:3000", `BASE=${server.url}`);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script]);
    return stdout;
  }

  it("completes the employee path, skipping the company step", async () => {
    const output = await shell("start", "employee");
    const final = JSON.parse(output.trim().split("\n").at(-1) ?? "");
    expect(final.status).toBe("completed");
    expect(final.steps.map((step: { status: string }) => step.status)).toEqual([
      "done",
      "done",
      "skipped",
      "done",
    ]);
    expect(final.data["personal-info"].email).toBe("ada@example.com");
  });

  it("completes the contractor path, refusing the review before the company step", async () => {
    const output = await shell("start", "contractor");
    expect(output).toContain('"type":"urn:waymark:problem:step-out-of-order"');
    const final = JSON.parse(output.trim().split("\n").at(-1) ?? "");
    expect(final.status).toBe("completed");
    expect(final.steps.map((step: { status: string }) => step.status)).toEqual([
      "done",
      "done",
      "done",
      "done",
    ]);
    expect(final.data["company-details"].vatId).toBe("GB123456789");
  });

  it("shows conditional requests and erasure as the comments say", async () => {
    const output = await shell("start", "contractor", "more");
    const lines = output.trim().split("\n");
    const more = lines.slice(lines.indexOf('"v5"'));
    expect(more[0]).toBe('"v5"');
    expect(more[1]).toBe("304");
    expect(JSON.parse(more[2] ?? "")).toMatchObject({ name: "personal-info", status: "done" });
    expect(JSON.parse(more[3] ?? "")).toMatchObject({ status: 412 });
    expect(more.slice(4)).toEqual(["204", "404"]);
  });
});

describe("the README's token-mode walkthrough, run with curl as printed", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "waymark-readme-token-"));
    const keys = generateKeyEntry("readme");
    server = await startServer({ env: { WAYMARK_STORE: "token", WAYMARK_TOKEN_KEYS: keys } });
  });
  afterAll(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("completes the flow by carrying the newest token forward", async () => {
    const script = block("token").replace("BASE=http://localhost:3000", `BASE=${server.url}`);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], { cwd: dir });
    const answers = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { version: number; status: string; flowId: string });
    expect(answers.map((answer) => answer.version)).toEqual([2, 3, 4, 4]);
    expect(answers.at(-1)?.status).toBe("completed");
    // Each change sealed a new token.
    expect(new Set(answers.map((answer) => answer.flowId)).size).toBe(3);
  });
});
