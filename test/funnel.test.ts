import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSqliteStore } from "waymark/store/sqlite";
import { onboarding } from "../examples/onboarding/flow.ts";
import { WaymarkError } from "../src/errors.ts";
import { createRegistry } from "../src/flow/registry.ts";
import { computeFunnel } from "../src/service/funnel.ts";
import { createMemoryStore } from "../src/store/memory.ts";
import { seededReport, seededWindow, seedFunnel } from "./support/funnel-seed.ts";
import { createHttpClient, personalInfo } from "./support/http-client.ts";
import { runCli } from "./support/processes.ts";
import { wrapStore } from "./support/wrap-store.ts";

const registry = createRegistry([onboarding]);

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

/** A SQLite file holding the seeded flows; its path. */
async function seededFile(): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), "waymark-funnel-"));
  const path = join(dir, "flows.db");
  const store = createSqliteStore({ path });
  try {
    await seedFunnel(store);
  } finally {
    await store.close();
  }
  return path;
}

describe("computeFunnel", () => {
  it.each([1, 3, 500])(
    "matches the hand count of flows driven through the HTTP API, %i records a batch",
    async (batchSize) => {
      const path = await seededFile();
      const store = createSqliteStore({ path });
      try {
        const report = await computeFunnel({
          store,
          registry,
          flow: "onboarding",
          ...seededWindow,
          batchSize,
        });
        expect(report).toEqual(seededReport);
      } finally {
        await store.close();
      }
    },
  );

  it("counts nothing outside the window, and no failed field of hours outside it", async () => {
    const path = await seededFile();
    const store = createSqliteStore({ path });
    try {
      const later = seededWindow.until.getTime();
      const report = await computeFunnel({
        store,
        registry,
        flow: "onboarding",
        since: later,
        until: later + 86_400_000,
      });
      expect(report.versions).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("refuses an unknown flow, an empty window, token mode and a store that cannot list", async () => {
    const store = createMemoryStore();
    const input = { store, registry, flow: "onboarding", since: 2_000, until: 3_000 };
    await expect(computeFunnel({ ...input, flow: "checkout" })).rejects.toMatchObject({
      code: "unknown-flow",
    });
    await expect(computeFunnel({ ...input, until: 2_000 })).rejects.toMatchObject({
      code: "bad-request",
    });
    await expect(computeFunnel({ ...input, batchSize: 0 })).rejects.toMatchObject({
      code: "bad-request",
    });
    await expect(computeFunnel({ ...input, store: undefined })).rejects.toMatchObject({
      code: "funnel-unavailable",
    });
    const { scanRecords: _, ...unlisted } = store;
    await expect(computeFunnel({ ...input, store: unlisted })).rejects.toMatchObject({
      code: "funnel-unavailable",
    });
  });
});

describe("refused fields", () => {
  it("are counted by the names the schema declares: a made-up key is *", async () => {
    const store = createMemoryStore();
    const client = createHttpClient({ store });
    const { path } = await client.start();
    const typed = { ...personalInfo, email: "nope", "ada@example.com": "x" };
    expect((await client.put(path, 1, typed)).status).toBe(422);
    expect((await client.put(path, 1, { ...personalInfo, email: "nope" })).status).toBe(422);
    const at = client.now().getTime();
    const counts = await store.readRejections?.({
      flow: "onboarding",
      since: at,
      until: at + 3_600_000,
    });
    // The unknown key alone refuses the first body: the schema never sees its email.
    expect(counts?.sort((a, b) => (a.field < b.field ? -1 : 1))).toEqual([
      { definitionVersion: 1, step: "personal-info", field: "/*", count: 1 },
      { definitionVersion: 1, step: "personal-info", field: "/email", count: 1 },
    ]);
  });

  // Guards the 422: counting is best-effort and never changes the answer.
  it("leave the 422 as it is when the store cannot count them, and log no data", async () => {
    const logged: unknown[] = [];
    const store = wrapStore(createMemoryStore(), (method) => {
      if (method === "countRejection") {
        throw new WaymarkError("store-unavailable", "The store is down: ada@example.com");
      }
    });
    const logger = {
      info: () => undefined,
      warn: (fields: unknown, message: string) => logged.push({ fields, message }),
      error: (fields: unknown, message: string) => logged.push({ fields, message }),
    };
    const client = createHttpClient({ store, logger });
    const { path } = await client.start();
    const response = await client.put(path, 1, { ...personalInfo, email: "nope" });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(["/email"]);
    expect(logged).toEqual([
      {
        fields: {
          flow: "onboarding",
          step: "personal-info",
          err: "WaymarkError store-unavailable",
        },
        message: "cannot count a refused submission",
      },
    ]);
  });
});

describe("waymark funnel", () => {
  const window = (path: string) => [
    "funnel",
    "onboarding",
    "--flows",
    "examples/onboarding/flow.ts",
    "--store",
    `sqlite:${path}`,
    "--since",
    seededWindow.since.toISOString(),
    "--until",
    seededWindow.until.toISOString(),
  ];

  it("prints the report exactly with --json", async () => {
    const path = await seededFile();
    const { code, stdout, stderr } = await runCli([...window(path), "--json", "--batch-size", "2"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(seededReport);
  });

  it("prints a table per definition version, as the README shows it", async () => {
    const path = await seededFile();
    const { code, stdout } = await runCli(window(path));
    expect(code).toBe(0);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(stdout.split("\n").slice(2).join("\n"));
    expect(stdout).toBe(
      [
        `onboarding flows started from ${seededReport.since} to ${seededReport.until}`,
        "",
        "definition version 1: 7 started, 3 completed (42.9%)",
        "step                reached  completed  stopped  skipped  median     p90  top failed fields",
        "1 personal-info           7          6        1        0  1m 00s  1m 40s  /email 2",
        "2 contract-details        6          5        1        0  2m 00s  3m 20s  /role 1",
        "3 company-details         3          2        1        2     40s  5m 00s  /* 1, /vatId 1",
        "4 review                  4          3        1        0     30s     40s  /acceptTerms 1",
        "",
      ].join("\n"),
    );
  });

  it.each([
    [["--since", "yesterday"], /expected a duration back from now such as 7d/],
    [["--since", "1d", "--until", "2d"], /the window is empty/],
    [["--since", "2026-11-24"], /or an RFC 3339 instant/],
    // Regression: an impossible date was rolled over (to 2 March) and the command ran.
    [["--since", "2026-02-30T00:00:00Z"], /"2026-02-30T00:00:00Z" is not a valid RFC 3339 instant/],
    // Regression: a duration too far back was refused as if it were no duration.
    [["--since", "99999999d"], /"99999999d" is too far back: .*at most 10 years \(3660d\)/],
  ])("refuses %j with a message and exit code 2", async (args, message) => {
    const path = await seededFile();
    const base = window(path).slice(0, 6);
    const { code, stderr } = await runCli([...base, ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  // Regression: the README called --since optional, and leaving it out was a usage error;
  // it defaults to 7d, as on the admin page.
  it("counts the last 7 days without --since", async () => {
    const path = await seededFile();
    const before = Date.now();
    const { code, stdout, stderr } = await runCli([...window(path).slice(0, 6), "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { since: string; until: string };
    const length = Date.parse(report.until) - Date.parse(report.since);
    expect(length).toBe(7 * 86_400_000);
    expect(Date.parse(report.until)).toBeGreaterThanOrEqual(before);
  });

  it("names the flows a file has when asked for another, and exits 2", async () => {
    const path = await seededFile();
    const args = window(path);
    args[1] = "checkout";
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain('has no flow named "checkout" (it has: onboarding)');
  });

  it("says a token store leaves nothing to count, and exits 2", async () => {
    const args = window("unused").map((arg) => (arg === "sqlite:unused" ? "token" : arg));
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain("token mode keeps no flows");
  });
});
