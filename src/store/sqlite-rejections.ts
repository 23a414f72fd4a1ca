import type Database from "better-sqlite3";
import { rejectedFields, rejectionHour, rejectionKeepMs } from "./rejections.ts";
import type { RejectionCount, RejectionQuery, StepRejection } from "./types.ts";

/**
 * The rejected-field counts (schema version 7): one row per flow, hour, definition
 * version, step and field, its count raised by an upsert. Indexed by hour for the purge,
 * which deletes hours older than 90 days.
 */
export const rejectionsSchema = `
  CREATE TABLE IF NOT EXISTS waymark_rejections (
    flow TEXT NOT NULL,
    hour INTEGER NOT NULL,
    definition_version INTEGER NOT NULL,
    step TEXT NOT NULL,
    field TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (flow, hour, definition_version, step, field)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS waymark_rejections_hour ON waymark_rejections (hour);
`;

/** The count statements of a SQLite store: synchronous, run by the store's retry. */
export interface SqliteRejections {
  count(rejection: StepRejection): void;
  read(query: RejectionQuery): RejectionCount[];
  /** Deletes the counts of hours more than 90 days before `now` (epoch milliseconds). */
  purge(now: number): void;
}

/**
 * Prepares the count statements on `db`, whose schema includes {@link rejectionsSchema}.
 *
 * @example const rejections = sqliteRejections(db); rejections.count({ flow, definitionVersion, step, fields, at });
 */
export function sqliteRejections(db: Database.Database): SqliteRejections {
  const upsert = db.prepare(
    `INSERT INTO waymark_rejections (flow, hour, definition_version, step, field, count)
     VALUES (?, ?, ?, ?, ?, 1)
     ON CONFLICT DO UPDATE SET count = count + 1`,
  );
  const select = db.prepare<
    [string, number, number],
    { definition_version: number; step: string; field: string; count: number }
  >(
    `SELECT definition_version, step, field, sum(count) AS count FROM waymark_rejections
     WHERE flow = ? AND hour >= ? AND hour < ?
     GROUP BY definition_version, step, field`,
  );
  const purge = db.prepare("DELETE FROM waymark_rejections WHERE hour < ?");
  const countAll = db.transaction((rejection: StepRejection) => {
    const { flow, definitionVersion, step, at } = rejection;
    for (const field of rejectedFields(rejection)) {
      upsert.run(flow, rejectionHour(at), definitionVersion, step, field);
    }
  });
  return {
    count: (rejection) => countAll.immediate(rejection),
    read: ({ flow, since, until }) =>
      select
        .all(flow, rejectionHour(since), rejectionHour(until))
        .map(({ definition_version, step, field, count }) => ({
          definitionVersion: definition_version,
          step,
          field,
          count,
        })),
    purge: (now) => {
      purge.run(rejectionHour(now - rejectionKeepMs));
    },
  };
}
