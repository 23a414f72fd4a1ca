// The published package as a user gets it: `npm pack` (whose prepack builds dist/), a
// fresh project that installs the tarball, then plain Node, node:http, the user's own tsc
// and the CLI against that installed copy, which has no TypeScript sources and no
// repository around it. Slow by nature (a build, an install, two tsc runs): under a minute.
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runToEnd } from "./support/processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const addon = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";

/** The subpaths users import, each with a `types` and a `default` target in dist/. */
const subpaths = [
  ".",
  "./node",
  "./token",
  "./contract",
  "./client",
  "./server",
  "./store/sqlite",
  "./store/postgres",
  "./store/redis",
  "./store/memory",
  "./testing",
  "./wizard",
];

const flowFile = `import { defineFlow } from "waymark";
import { z } from "zod";

export const signup = defineFlow({ name: "signup", version: 1, ttl: "1h" })
  .step({ name: "email", schema: z.strictObject({ email: z.email() }) })
  .step({ name: "plan", schema: z.strictObject({ plan: z.enum(["free", "pro"]) }) });
`;

/** A correct user of every subpath's types. */
const goodFile = `import { createServer } from "node:http";
import { createWaymark, type StepInput, WaymarkError } from "waymark";
import { createClient } from "waymark/client";
import type { FlowRepresentation, ProblemDocument } from "waymark/contract";
import { toNodeListener } from "waymark/node";
import { startServer } from "waymark/server";
import { createMemoryStore } from "waymark/store/memory";
import { createPostgresStore } from "waymark/store/postgres";
import { createRedisStore } from "waymark/store/redis";
import { createSqliteStore } from "waymark/store/sqlite";
import { describeStoreConformance } from "waymark/testing";
import { createTokenMode, parseKeyring } from "waymark/token";
import { loadWizard } from "waymark/wizard";
import { signup } from "./flow.ts";

export const body: StepInput<typeof signup, "plan"> = { plan: "pro" };
const waymark = createWaymark({
  flows: [signup],
  store: createSqliteStore({ path: ":memory:" }),
  basePath: "/api",
  wizard: await loadWizard(),
});
createServer(toNodeListener(waymark));
export const used = [createMemoryStore, createPostgresStore, createRedisStore, startServer,
  createTokenMode, parseKeyring, describeStoreConformance, WaymarkError];
export type Shapes = [FlowRepresentation, ProblemDocument];
const client = createClient<typeof signup>({ baseUrl: "http://localhost:3000/api", flow: "signup" });
export const saved = client.resume("id").submit("plan", { plan: "pro" });
`;

/** A payload the plan step's schema refuses: the user's tsc must say so. */
const badFile = `import type { StepInput } from "waymark";
import type { signup } from "./flow.ts";

export const body: StepInput<typeof signup, "plan"> = { plan: "enterprise" };
`;

/**
 * Opposite corners of what users run: a Node project's settings (no DOM library, as in
 * @tsconfig/node20; the oldest target; loose optional properties), and a bundler's (the
 * newest target with the default libraries; strict optional properties). Both with
 * `strict` and `skipLibCheck: false`. The declarations need @types/node (an optional peer
 * dependency): they mention Buffer, IncomingMessage and Node's Request and Response.
 */
const userConfigs = {
  "tsconfig.nodenext.json": {
    module: "NodeNext",
    moduleResolution: "NodeNext",
    target: "ES2022",
    lib: ["ES2022"],
    exactOptionalPropertyTypes: false,
  },
  "tsconfig.bundler.json": {
    module: "Preserve",
    moduleResolution: "Bundler",
    target: "ESNext",
    exactOptionalPropertyTypes: true,
  },
};

let project: string;
let packed: string[];
const running = new Set<ChildProcess>();

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "waymark-package-"));
  const pack = await exec("npm", ["pack", "--json", "--pack-destination", project], root);
  expect(pack.code, pack.stderr).toBe(0);
  // Before the JSON, npm prints the prepack build's own output.
  const [tarball] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as {
    filename: string;
    files: { path: string }[];
  }[];
  if (!tarball) throw new Error(`npm pack printed no tarball: ${pack.stdout}`);
  packed = tarball.files.map((file) => file.path);

  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  // --ignore-scripts: better-sqlite3 would compile from source for minutes; this
  // checkout's build of the same version is copied in below instead.
  const install = await exec(
    "npm",
    [
      "install",
      join(project, tarball.filename),
      "zod",
      "typescript@~5.9",
      "@types/node@20",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
    ],
    project,
  );
  expect(install.code, install.stderr).toBe(0);
  const version = (folder: string) =>
    JSON.parse(readFileSync(join(folder, "node_modules/better-sqlite3/package.json"), "utf8"))
      .version;
  expect(version(project), "the installed better-sqlite3 matches this checkout's").toBe(
    version(root),
  );
  mkdirSync(dirname(join(project, addon)), { recursive: true });
  copyFileSync(join(root, addon), join(project, addon));

  writeFileSync(join(project, "flow.ts"), flowFile);
  writeFileSync(join(project, "good.ts"), goodFile);
  writeFileSync(join(project, "bad.ts"), badFile);
  for (const [name, options] of Object.entries(userConfigs)) {
    const compilerOptions = { ...options, strict: true, skipLibCheck: false, noEmit: true };
    writeFileSync(
      join(project, name),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, allowImportingTsExtensions: true },
        files: ["good.ts", "bad.ts"],
      }),
    );
  }
}, 180_000);

afterAll(() => {
  for (const child of running) stop(child);
  if (project) rmSync(project, { recursive: true, force: true });
});

describe.concurrent("the packed package", { timeout: 90_000 }, () => {
  it("holds dist/, the command, README.md and package.json, and nothing else", () => {
    const outside = packed.filter(
      (path) =>
        !path.startsWith("dist/") &&
        !["bin/waymark.js", "README.md", "package.json"].includes(path),
    );
    expect(outside).toEqual([]);
    expect(packed.filter((path) => /\.ts$/.test(path) && !path.endsWith(".d.ts"))).toEqual([]);
    expect(packed).toContain("dist/cli/main.js");
    expect(packed).toContain("dist/wizard/wizard.js");
    expect(packed).toContain("dist/wizard/wizard.css");
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(Object.keys(manifest.exports).filter((key) => key !== "./package.json")).toEqual(
      subpaths,
    );
    for (const subpath of subpaths) {
      const { types, default: code } = manifest.exports[subpath];
      expect(packed, subpath).toContain(types.slice(2));
      expect(packed, subpath).toContain(code.slice(2));
    }
  });

  it("declarations import each other as .js, never as .ts", () => {
    const dist = join(project, "node_modules/waymark/dist");
    const offenders = readdirSync(dist, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".d.ts"))
      .flatMap((file) =>
        ts
          .preProcessFile(readFileSync(join(dist, file), "utf8"), true, true)
          .importedFiles.filter(({ fileName }) => /^\.{1,2}\/.*\.[mc]?ts$/.test(fileName))
          .map(({ fileName }) => `${file}: ${fileName}`),
      );
    expect(offenders).toEqual([]);
  });

  it("imports in plain Node, with pg, redis and vitest left out", async () => {
    const script = `
      const entries = ["waymark", "waymark/node", "waymark/store/sqlite", "waymark/token",
        "waymark/store/memory", "waymark/server", "waymark/wizard", "waymark/store/postgres",
        "waymark/contract", "waymark/client"];
      const modules = await Promise.all(entries.map((entry) => import(entry)));
      const { createSqliteStore } = await import("waymark/store/sqlite");
      const { loadWizard } = await import("waymark/wizard");
      const store = createSqliteStore({ path: ":memory:" });
      await store.close();
      const wizard = await loadWizard();
      console.log(JSON.stringify({
        exports: Object.fromEntries(entries.map((entry, i) => [entry, Object.keys(modules[i])])),
        wizard: wizard.script.body,
      }));`;
    const result = await exec(process.execPath, ["--input-type=module", "-e", script], project);
    expect(result.code, result.stderr).toBe(0);
    const { exports, wizard } = JSON.parse(result.stdout);
    expect(exports.waymark).toContain("createWaymark");
    expect(exports.waymark).toContain("defineFlow");
    expect(exports["waymark/node"]).toContain("toNodeListener");
    expect(exports["waymark/store/sqlite"]).toContain("createSqliteStore");
    expect(exports["waymark/token"]).toContain("createTokenMode");
    expect(exports["waymark/client"]).toContain("createClient");
    // The bundle built at pack time, read as is.
    expect(wizard).toBe(
      readFileSync(join(project, "node_modules/waymark/dist/wizard/wizard.js"), "utf8"),
    );
    for (const optional of ["pg", "redis", "vitest"]) {
      expect(existsSync(join(project, "node_modules", optional)), optional).toBe(false);
    }
  });

  it("serves a flow from a plain .mjs through node:http under /api, walked by its links", async () => {
    writeFileSync(
      join(project, "serve.mjs"),
      `import { createServer } from "node:http";
      import { createWaymark } from "waymark";
      import { toNodeListener } from "waymark/node";
      import { createSqliteStore } from "waymark/store/sqlite";
      import { defineFlow } from "waymark";
      import { z } from "zod";

      const signup = defineFlow({ name: "signup", version: 1, ttl: "1h" })
        .step({ name: "email", schema: z.strictObject({ email: z.email() }) })
        .step({ name: "plan", schema: z.strictObject({ plan: z.enum(["free", "pro"]) }) });
      const store = createSqliteStore({ path: ":memory:" });
      const waymark = createWaymark({ flows: [signup], store, basePath: "/api" });
      const server = createServer(toNodeListener(waymark));
      server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));
      `,
    );
    const child = start(process.execPath, ["serve.mjs"]);
    const base = await firstLine(child);
    const answers: Record<string, unknown> = {
      email: { email: "ada@example.com" },
      plan: { plan: "pro" },
    };

    const created = await fetch(`${base}/api/signup`, { method: "POST" });
    expect(created.status).toBe(201);
    let location = created.headers.get("location") ?? "";
    expect(location).toMatch(/^\/api\/signup\//);
    let flow = await (await fetch(new URL(location, base))).json();
    const walked: string[] = [];
    while (flow.status === "in_progress" && walked.length < 5) {
      const { name, href } = flow.currentStep;
      walked.push(name);
      const written = await fetch(new URL(href, base), {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(answers[name]),
      });
      expect(written.status, await written.clone().text()).toBe(200);
      location = written.headers.get("location") ?? location;
      flow = await (await fetch(new URL(location, base))).json();
    }
    expect(walked).toEqual(["email", "plan"]);
    expect(flow.status).toBe("completed");
    expect(flow.data.plan).toEqual({ plan: "pro" });
    stop(child);
  });

  it("type-checks for the user's tsc, and refuses a wrong step payload", async () => {
    const tsc = join(project, "node_modules/typescript/bin/tsc");
    const results = await Promise.all(
      Object.keys(userConfigs).map((config) =>
        exec(process.execPath, [tsc, "-p", config, "--pretty", "false"], project),
      ),
    );
    for (const [index, result] of results.entries()) {
      const errors = result.stdout.split("\n").filter(Boolean);
      const config = Object.keys(userConfigs)[index];
      // good.ts and flow.ts pass; bad.ts fails on its payload, and only there.
      expect(
        errors.filter((line) => !line.startsWith("bad.ts(")),
        config,
      ).toEqual([]);
      expect(errors, config).toEqual([
        expect.stringMatching(/^bad\.ts\(4,\d+\): error TS2322: .*"enterprise"/),
      ]);
    }
  });

  it("npx waymark serve --flows ./flow.ts loads the TypeScript file and answers", async () => {
    const port = await freePort();
    const child = start(
      "npx",
      ["--no", "waymark", "serve", "--flows", "./flow.ts", "--store", "sqlite:./flows.db"],
      { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    );
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`)).ok, child);
    const created = await fetch(`${base}/signup`, { method: "POST" });
    expect(created.status).toBe(201);
    expect((await created.json()).currentStep.name).toBe("email");
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    stop(child);
  });

  it("a postgres:// or redis:// store without its package names the package to install", async () => {
    const purge = (store: string) =>
      exec("npx", ["--no", "waymark", "purge", "--store", store], project);
    const [postgres, redis] = await Promise.all([
      purge("postgres://waymark@127.0.0.1:1/waymark"),
      purge("redis://127.0.0.1:1"),
    ]);
    expect(postgres.code).toBe(1);
    expect(postgres.stderr).toContain(
      'the postgres:// store needs the "pg" package: npm install pg',
    );
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain(
      'the redis:// store needs the "redis" package: npm install redis',
    );
  });
});

/** Runs a command to its end in `cwd`; resolves its exit code and output. */
function exec(command: string, args: string[], cwd: string) {
  return runToEnd(command, args, { cwd });
}

/**
 * Starts a long-running command in the project, in a process group of its own so that
 * `stop` also ends what npx starts under it.
 */
function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, {
    cwd: project,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

function stop(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(-child.pid, "SIGTERM");
}

/** The first line a process prints, or its error output if it exits first. */
async function firstLine(child: ChildProcess): Promise<string> {
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
    });
    child.once("exit", () => reject(new Error(`exited before printing: ${stderr}`)));
  });
}

/** Polls `ready` until it holds; fails with the process's output if it exits first. */
async function until(ready: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited early: ${output}`);
    try {
      if (await ready()) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
