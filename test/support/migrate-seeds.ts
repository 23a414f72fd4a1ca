import type { FlowData, FlowRecord } from "../../src/flow/types.ts";
import { emptyVersionReport, type VersionReport } from "../../src/service/migration-report.ts";
import type { FlowStore } from "../../src/store/types.ts";
import { hour } from "./records.ts";

const valid = { account: { email: "ada@example.com" }, profile: { name: "Ada" } };
const boom = { profile: { name: "boom" } };

/**
 * The records {@link seedMigrations} stores, for test/fixtures/migrate-flows.ts: a label,
 * the flow and definition version, the data, and whether it has expired. Counted by hand
 * in the tests that use them.
 */
const seeds: ReadonlyArray<[label: string, flow: string, version: number, FlowData, "expired"?]> = [
  // signup 1 → 2 (migrate): 5 clean, one of them losing a step that is gone in 2.
  ["clean", "signup", 1, valid],
  ["clean-2", "signup", 1, valid],
  ["empty", "signup", 1, {}],
  ["account-only", "signup", 1, { account: { email: "grace@example.com" } }],
  ["dropped", "signup", 1, { ...valid, "old-step": { note: "gone in version 2" } }],
  // 3 sent back: account /email twice, profile /fullName twice.
  ["bad-email", "signup", 1, { account: { email: "not an email" } }],
  ["bad-both", "signup", 1, { account: { email: "nope" }, profile: { name: "" } }],
  ["empty-name", "signup", 1, { account: { email: "b@example.com" }, profile: { name: "" } }],
  // 1 whose migration throws.
  ["boom", "signup", 1, boom],
  // 2 completed (one would not pass version 2), 2 expired (one would throw).
  ["completed", "signup", 1, { ...valid, confirm: { accept: true } }],
  [
    "completed-bad",
    "signup",
    1,
    { account: { email: "x" }, profile: boom.profile, confirm: { accept: true } },
  ],
  ["expired", "signup", 1, valid, "expired"],
  ["expired-boom", "signup", 1, boom, "expired"],
  // signup 9: a version the flows file does not know.
  ["future", "signup", 9, valid],
  // On the newest versions: nothing to do.
  ["current", "signup", 2, { account: { email: "c@example.com" } }],
  ["current-2", "signup", 2, {}],
  ["current-3", "survey", 4, {}],
  // survey: 1 restarts (2), 2 is withdrawn (1), 3 has no policy (1).
  ["restart", "survey", 1, { question: { answer: "yes" } }],
  ["restart-2", "survey", 1, {}],
  ["withdrawn", "survey", 2, { question: { answer: "no" } }],
  ["no-policy", "survey", 3, {}],
  // newsletter 1 is kept (2); legacy is no flow of the file (1).
  ["kept", "newsletter", 1, { subscribe: { email: "k@example.com" } }],
  ["kept-2", "newsletter", 1, {}],
  ["legacy", "legacy", 1, {}],
];

/**
 * Stores the mix of records above, made at `now` (expired ones an hour before it, still
 * recoverable for a day), and returns each one by its label.
 */
export async function seedMigrations(
  store: FlowStore,
  now = new Date(),
): Promise<Record<string, FlowRecord>> {
  const at = now.getTime();
  const records: Record<string, FlowRecord> = {};
  for (const [label, flow, definitionVersion, data, expired] of seeds) {
    const expiresAt = expired ? at - hour : at + 24 * hour;
    const record: FlowRecord = {
      id: crypto.randomUUID(),
      flow,
      definitionVersion,
      version: 3,
      data,
      createdAt: at - 48 * hour,
      updatedAt: expiresAt - 24 * hour,
      expiresAt,
      keepUntil: at + 24 * hour,
    };
    if (!(await store.create(record))) throw new Error(`seed ${label} was not created`);
    records[label] = record;
  }
  return records;
}

/** A version's entry with every count zero, and the fields given. */
export function entry(fields: Partial<VersionReport>): VersionReport {
  const head = { flow: "signup", version: 1, newest: 2, policy: "migrate" } as const;
  return { ...emptyVersionReport(head), ...fields };
}

/** Why the seeded `boom` flow fails to migrate, as the report says it. */
export const migrateError = 'The migrate code of "signup" from version 1 to 2 failed';

/** What migrateStore reports of the seeded mix, counted by hand from the list above. */
/** The dry-run report of the seeded store, by hand: `boomId` is the flow that fails. */
export function expectedDryRun(boomId: string | undefined) {
  return {
    dryRun: true,
    scanned: 24,
    current: 3,
    moved: 10,
    failed: 1,
    versions: expectedVersions(boomId),
  };
}

export function expectedVersions(boomId: string | undefined): VersionReport[] {
  return [
    entry({ flow: "legacy", newest: null, policy: "unknown-flow", total: 1, notServed: 1 }),
    entry({ flow: "newsletter", policy: "keep", total: 2, kept: 2 }),
    entry({
      total: 13,
      migrated: 5,
      returned: {
        records: 3,
        steps: {
          account: { records: 2, fields: { "/email": 2 } },
          profile: { records: 2, fields: { "/fullName": 2 } },
        },
      },
      dropped: { "old-step": 1 },
      failed: {
        records: 1,
        flowIds: boomId ? [boomId] : [],
        errors: { [migrateError]: 1 },
      },
      completed: 2,
      expired: 2,
    }),
    entry({ version: 9, policy: "none", total: 1, notServed: 1 }),
    entry({ flow: "survey", newest: 4, policy: "restart", total: 2, restarted: 2 }),
    entry({ flow: "survey", version: 2, newest: 4, policy: "expire", total: 1, withdrawn: 1 }),
    entry({ flow: "survey", version: 3, newest: 4, policy: "none", total: 1, notServed: 1 }),
  ];
}
