import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRegistry, type FlowData, type FlowRecord, type FlowStore } from "waymark";
import { createSqliteStore } from "waymark/store/sqlite";
import { migrateStore } from "../src/service/migrate-store.ts";
import flows from "./fixtures/migrate-flows.ts";
import {
  entry,
  expectedDryRun,
  expectedVersions,
  migrateError,
  seedMigrations,
} from "./support/migrate-seeds.ts";

const dir = mkdtempSync(join(tmpdir(), "waymark-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registry = createRegistry(flows);
const now = new Date();

/** A fresh SQLite file store holding the seeded mix. */
async function seeded() {
  const store = createSqliteStore({ path: join(dir, `${crypto.randomUUID()}.db`) });
  return { store, records: await seedMigrations(store, now) };
}

/** Every stored record, by id. */
async function everything(store: FlowStore): Promise<Map<string, FlowRecord>> {
  const found = new Map<string, FlowRecord>();
  let cursor: string | undefined;
  do {
    const batch = await store.scanRecords?.(cursor, 100);
    for (const record of batch?.records ?? []) found.set(record.id, record);
    cursor = batch?.cursor;
  } while (cursor !== undefined);
  return found;
}

describe("migrateStore", () => {
  it("counts, in a dry run, what a server would do to each older version's flows", async () => {
    const { store, records } = await seeded();
    const before = await everything(store);
    const progress: number[] = [];
    const report = await migrateStore(store, registry, {
      dryRun: true,
      batchSize: 5,
      now: () => now,
      onProgress: (scanned) => progress.push(scanned),
    });
    expect(report).toEqual(expectedDryRun(records.boom?.id));
    for (const version of report.versions) {
      const {
        flow,
        version: _,
        newest,
        policy,
        total,
        returned,
        dropped,
        failed,
        ...rest
      } = version;
      const counted = Object.values(rest).reduce((sum, count) => sum + count, 0);
      expect(counted + returned.records + failed.records).toBe(total);
    }
    expect(progress).toEqual([5, 10, 15, 20, 24]);
    expect(await everything(store)).toEqual(before);
    await store.close();
  });

  it("moves each flow a server would move, leaves the rest, and finds nothing left on a rerun", async () => {
    const { store, records } = await seeded();
    const report = await migrateStore(store, registry, { dryRun: false, now: () => now });
    expect(report).toEqual({
      dryRun: false,
      scanned: 24,
      current: 3,
      moved: 10,
      failed: 1,
      versions: expectedVersions(records.boom?.id),
    });

    const after = await everything(store);
    const moved = ["clean", "clean-2", "empty", "account-only", "dropped", "bad-email"];
    for (const label of [...moved, "bad-both", "empty-name", "restart", "restart-2"]) {
      const seed = records[label] as FlowRecord;
      const newest = seed.flow === "survey" ? 4 : 2;
      expect(after.get(seed.id), label).toMatchObject({
        definitionVersion: newest,
        version: seed.version + 1,
        migratedFrom: { version: seed.definitionVersion, at: now.getTime() },
        expiresAt: seed.expiresAt,
      });
    }
    expect(after.get(records.clean?.id ?? "")?.data).toEqual({
      account: { email: "ada@example.com" },
      profile: { fullName: "Ada" },
    });
    expect(after.get(records["bad-both"]?.id ?? "")?.returnedSteps).toMatchObject({
      account: { data: { email: "nope" } },
      profile: { data: { fullName: "" } },
    });
    const untouched = ["boom", "completed", "completed-bad", "expired", "expired-boom", "future"];
    for (const label of [...untouched, "withdrawn", "no-policy", "kept", "legacy", "current"]) {
      const seed = records[label] as FlowRecord;
      expect(after.get(seed.id), label).toEqual(seed);
    }

    const rerun = await migrateStore(store, registry, { dryRun: false, now: () => now });
    expect(rerun).toMatchObject({ scanned: 24, current: 13, moved: 0, failed: 1 });
    expect(rerun.versions.find((version) => version.flow === "signup")).toEqual(
      entry({
        total: 5,
        failed: { records: 1, flowIds: [records.boom?.id ?? ""], errors: { [migrateError]: 1 } },
        completed: 2,
        expired: 2,
      }),
    );
    await store.close();
  });

  it("redoes a record another writer changed meanwhile, and leaves one that moved on or went", async () => {
    const { store, records } = await seeded();
    const [changed, migrated, deleted] = [records.clean, records["clean-2"], records.empty] as [
      FlowRecord,
      FlowRecord,
      FlowRecord,
    ];
    // Another writer gets in first, once each: a server still on version 1 saves a step,
    // a server on version 2 migrates the flow, a user erases it.
    const meanwhile = new Map<string, () => Promise<unknown>>([
      [changed.id, () => store.save({ ...changed, version: changed.version + 1 }, changed.version)],
      [
        migrated.id,
        () =>
          store.save(
            { ...migrated, definitionVersion: 2, version: migrated.version + 1 },
            migrated.version,
          ),
      ],
      [deleted.id, () => store.delete(deleted.id)],
    ]);
    const racing: FlowStore = {
      ...store,
      async save(record, expected) {
        const other = meanwhile.get(record.id);
        meanwhile.delete(record.id);
        await other?.();
        return store.save(record, expected);
      },
    };
    const report = await migrateStore(racing, registry, { dryRun: false, now: () => now });
    const signup = report.versions.find((version) => version.flow === "signup");
    expect(signup).toMatchObject({ migrated: 3, changedMeanwhile: 2 });
    expect(await store.load(changed.id)).toMatchObject({
      definitionVersion: 2,
      version: changed.version + 2,
    });
    expect(await store.load(migrated.id)).toMatchObject({
      definitionVersion: 2,
      version: migrated.version + 1,
    });
    expect(await store.load(deleted.id)).toBeUndefined();
    await store.close();
  });

  // Regression: steps came in the order the walk met them, so the table changed between runs.
  it("lists the steps sent back in the flow's step order, whatever order it met them in", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    const at = now.getTime();
    const record = (id: string, data: FlowData): FlowRecord => ({
      id,
      flow: "signup",
      definitionVersion: 1,
      version: 1,
      data,
      createdAt: at,
      updatedAt: at,
      expiresAt: at + 60_000,
    });
    // Scanned by id: the profile is met first.
    await store.create(record("a", { account: { email: "a@example.com" }, profile: { name: "" } }));
    await store.create(record("b", { account: { email: "nope" } }));
    const report = await migrateStore(store, registry, { dryRun: true, now: () => now });
    expect(Object.keys(report.versions[0]?.returned.steps ?? {})).toEqual(["account", "profile"]);
    await store.close();
  });

  it("refuses a store that cannot list its records", async () => {
    const { store } = await seeded();
    const { scanRecords: _, ...blind } = store;
    await expect(migrateStore(blind, registry, { dryRun: true })).rejects.toThrow(
      "this store cannot list its records",
    );
    await store.close();
  });
});
