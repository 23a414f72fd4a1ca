import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { FlowRecord } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import type { MigrationReport } from "../src/service/migration-report.ts";
import { seedMigrations } from "./support/migrate-seeds.ts";
import { runCli } from "./support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-migrate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flowsFile = "test/fixtures/migrate-flows.ts";

/** A SQLite file holding the seeded mix; its store URL and the seeded records by label. */
async function seededFile(): Promise<{ path: string; records: Record<string, FlowRecord> }> {
  const path = join(dir, `${crypto.randomUUID()}.db`);
  const store = createSqliteStore({ path });
  const records = await seedMigrations(store);
  await store.close();
  return { path, records };
}

/** Runs `waymark migrate` on the flows fixture and the SQLite file at `path`. */
function migrate(path: string, ...args: string[]) {
  return runCli(["migrate", "--flows", flowsFile, "--store", `sqlite:${path}`, ...args]);
}

/** Runs a function on the store in the file at `path`, then closes it. */
async function withStore<T>(
  path: string,
  run: (store: ReturnType<typeof createSqliteStore>) => Promise<T>,
): Promise<T> {
  const store = createSqliteStore({ path });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

describe("waymark migrate", () => {
  it("reports in a dry run, exits 1 while a flow would fail and 0 once none would", async () => {
    const { path, records } = await seededFile();
    const dry = await migrate(path, "--dry-run");
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("24 flows scanned, 3 on their flow's newest version.");
    expect(dry.stdout).toMatch(/^signup v1 → v2 \(migrate\) +13$/m);
    expect(dry.stdout).toMatch(/^ {2}migrate cleanly +5$/m);
    expect(dry.stdout).toMatch(/^ {2}migrate, sent back to a step +3$/m);
    expect(dry.stdout).toMatch(/^ {6}\/email +2$/m);
    expect(dry.stdout).toContain(`flow ids: ${records.boom?.id}`);
    expect(dry.stdout).toContain("10 flows would move, 1 would fail. Nothing was written.");
    // The README shows this very report, flow id aside.
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const shown = /```\n(24 flows scanned[\s\S]*?)```/.exec(readme)?.[1];
    expect(shown?.replace(/flow ids: [0-9a-f-]{36}/, `flow ids: ${records.boom?.id}`)).toBe(
      dry.stdout,
    );

    const json = await migrate(path, "--dry-run", "--json", "--batch-size", "7");
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as MigrationReport;
    expect(report).toMatchObject({ dryRun: true, scanned: 24, moved: 10, failed: 1 });
    // Not a terminal: no progress line.
    expect(json.stderr).toBe("");

    await withStore(path, (store) => store.delete(records.boom?.id ?? ""));
    const clear = await migrate(path, "--dry-run");
    expect(clear).toMatchObject({ code: 0, stderr: "" });
    expect(clear.stdout).toContain("10 flows would move, 0 would fail.");
    const untouched = await withStore(path, (store) => store.load(records.clean?.id ?? ""));
    expect(untouched).toEqual(records.clean);
  });

  it("moves the flows, and a rerun finds nothing left to move", async () => {
    const { path, records } = await seededFile();
    await withStore(path, (store) => store.delete(records.boom?.id ?? ""));
    const run = await migrate(path);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}migrated cleanly +5$/m);
    expect(run.stdout).toContain("10 flows moved, 0 failed.");

    const moved = await withStore(path, async (store) =>
      Promise.all(
        ["clean", "bad-email", "restart"].map((label) => store.load(records[label]?.id ?? "")),
      ),
    );
    expect(moved).toEqual([
      expect.objectContaining({
        definitionVersion: 2,
        migratedFrom: expect.objectContaining({ version: 1 }),
      }),
      expect.objectContaining({ definitionVersion: 2, returnedSteps: expect.any(Object) }),
      expect.objectContaining({ definitionVersion: 4, data: {} }),
    ]);

    const rerun = await migrate(path, "--json");
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      scanned: 23,
      current: 13,
      moved: 0,
      failed: 0,
    });
  });

  it("exits 2 on a usage error, a flows file that does not load or a store it cannot open", async () => {
    const { path } = await seededFile();
    const noFlows = await runCli(["migrate", "--store", `sqlite:${path}`]);
    expect(noFlows.code).toBe(2);
    expect(noFlows.stderr).toContain("--flows");
    expect((await migrate(path, "--batch-size", "0")).code).toBe(2);
    const missing = await runCli(["migrate", "--flows", "nowhere.ts", "--store", `sqlite:${path}`]);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toContain("cannot load flows from nowhere.ts");
    const noFile = await migrate(join(dir, "absent.db"), "--dry-run");
    expect(noFile).toMatchObject({ code: 2, stdout: "" });
    expect(noFile.stderr).toContain("no SQLite database at");
    const token = await runCli(["migrate", "--flows", flowsFile, "--store", "token"]);
    expect(token.code).toBe(2);
  });
});
