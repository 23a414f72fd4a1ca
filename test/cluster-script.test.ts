import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { accepts } from "../scripts/nginx.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { freePort, runToEnd } from "./support/processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "waymark-cluster-"));
let cluster: ChildProcess | undefined;
afterAll(async () => {
  // After a failure: SIGTERM lets the script stop its instances and nginx (SIGKILL would
  // leave them running); SIGKILL only if it does not exit in time.
  if (cluster && cluster.exitCode === null && cluster.signalCode === null) {
    const exited = once(cluster, "exit");
    cluster.kill("SIGTERM");
    const timer = setTimeout(() => cluster?.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run cluster", () => {
  it("serves the onboarding from several instances behind nginx, and SIGTERM stops them all and removes its files", async () => {
    const port = await freePort();
    const child = spawn(
      "npm",
      [
        "run",
        "cluster",
        "--",
        "--instances",
        "2",
        "--store",
        `sqlite:${join(dir, "flows.db")}`,
        "--port",
        String(port),
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    cluster = child;
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 30_000; !output.includes(`behind nginx at ${url}`); ) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no cluster: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const instancePorts = [
      ...(output.match(/instances on (.*) behind/)?.[1] ?? "").matchAll(/:(\d+)/g),
    ].map((match) => Number(match[1]));
    const prefix = output.match(/configuration and logs: (\S+)/)?.[1] ?? "";
    expect(instancePorts).toHaveLength(2);
    expect(existsSync(join(prefix, "waymark.conf"))).toBe(true);

    const created = await fetch(`${url}/onboarding`, { method: "POST" });
    expect(created.status).toBe(201);
    const { flowId } = (await created.json()) as { flowId: string };
    const written = await fetch(
      `${url}/onboarding/${flowId}/step/1`,
      jsonRequest("PUT", personalInfo),
    );
    expect(written.status).toBe(200);

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(existsSync(prefix)).toBe(false);
    for (const instancePort of [port, ...instancePorts])
      expect(await accepts(instancePort)).toBe(false);
  }, 60_000);

  it("refuses a store the instances cannot share, before starting anything", async () => {
    const result = await runToEnd(
      "npm",
      ["run", "--silent", "cluster", "--", "--store", "sqlite::memory:"],
      {
        cwd: root,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("sqlite::memory: lives inside one process");
  }, 30_000);
});
