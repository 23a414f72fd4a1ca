import type { Query } from "./postgres-outbox.ts";
import { rejectedFields, rejectionHour, rejectionKeepMs } from "./rejections.ts";
import type { RejectionCount, RejectionQuery, StepRejection } from "./types.ts";

/**
 * Schema version 6: the rejected-field counts, one row per flow, hour, definition
 * version, step and field; indexed by hour for the purge, which deletes hours older than
 * 90 days.
 */
export const rejectionsMigration = `
  CREATE TABLE IF NOT EXISTS waymark_rejections (
    flow text NOT NULL,
    hour bigint NOT NULL,
    definition_version integer NOT NULL,
    step text NOT NULL,
    field text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (flow, hour, definition_version, step, field)
  );
  CREATE INDEX IF NOT EXISTS waymark_rejections_hour ON waymark_rejections (hour);
`;

/** The count methods of a PostgreSQL store. */
export interface PostgresRejections {
  count(rejection: StepRejection): Promise<void>;
  read(query: RejectionQuery): Promise<RejectionCount[]>;
  /** Deletes the counts of hours more than 90 days before `now` (epoch milliseconds). */
  purge(now: number): Promise<void>;
}

/**
 * The count methods over `query`, on a schema with {@link rejectionsMigration}. A count is
 * one upsert statement for all the fields of a rejection.
 *
 * @example await postgresRejections(query).count({ flow, definitionVersion, step, fields, at });
 */
export function postgresRejections(query: Query): PostgresRejections {
  return {
    async count(rejection) {
      const { flow, definitionVersion, step, at } = rejection;
      await query(
        `INSERT INTO waymark_rejections AS r (flow, hour, definition_version, step, field, count)
         SELECT $1, $2, $3, $4, field, 1 FROM unnest($5::text[]) AS field
         ON CONFLICT (flow, hour, definition_version, step, field)
         DO UPDATE SET count = r.count + 1`,
        [flow, rejectionHour(at), definitionVersion, step, rejectedFields(rejection)],
      );
    },
    async read({ flow, since, until }) {
      const { rows } = await query<{
        definition_version: number;
        step: string;
        field: string;
        count: string;
      }>(
        `SELECT definition_version, step, field, sum(count)::bigint AS count
         FROM waymark_rejections WHERE flow = $1 AND hour >= $2 AND hour < $3
         GROUP BY definition_version, step, field`,
        [flow, rejectionHour(since), rejectionHour(until)],
      );
      return rows.map((row) => ({
        definitionVersion: row.definition_version,
        step: row.step,
        field: row.field,
        count: Number(row.count),
      }));
    },
    async purge(now) {
      await query("DELETE FROM waymark_rejections WHERE hour < $1", [
        rejectionHour(now - rejectionKeepMs),
      ]);
    },
  };
}
