import { rejectedFields, rejectionHour, rejectionHourMs, rejectionKeepMs } from "./rejections.ts";
import type { FlowStore } from "./types.ts";

/** What the counts use of a standalone client or of a cluster. */
export interface RejectionConnection {
  hIncrBy(key: string, field: string, increment: number): Promise<number>;
  expireAt(key: string, timestamp: number): Promise<number>;
  hGetAll(key: string): Promise<Record<string, string>>;
}

/** Hashes read at once: a year's window is 8760 of them, most of them absent. */
const readChunk = 500;

/**
 * The rejected-field counts of a Redis store: one hash per flow and hour,
 * `{prefix}rejections:{flow}:{hour}`, a field per definition version, step and field
 * (`[1,"personal-info","/email"]`) raised by `HINCRBY`; the hash expires (`EXPIREAT`) 90
 * days after its hour ends. Each command names one key, so any Cluster slot will do, and
 * the hashes of a window are read with pipelined `HGETALL`s (168 for 7 days).
 *
 * @example const { countRejection, readRejections } = redisRejections({ connection, run, prefix: "waymark:" });
 */
export function redisRejections(options: {
  connection: RejectionConnection;
  run: <T>(operation: () => Promise<T>) => Promise<T>;
  prefix: string;
}): Required<Pick<FlowStore, "countRejection" | "readRejections">> {
  const { connection, run, prefix } = options;
  const keyOf = (flow: string, hour: number) => `${prefix}rejections:${flow}:${hour}`;
  return {
    async countRejection(rejection) {
      const { flow, definitionVersion, step, at } = rejection;
      const hour = rejectionHour(at);
      const key = keyOf(flow, hour);
      const dropAt = Math.ceil(((hour + 1) * rejectionHourMs + rejectionKeepMs) / 1000);
      // Sent together, one round trip: the counts, then the hash's expiry.
      await run(() =>
        Promise.all([
          ...rejectedFields(rejection).map((field) =>
            connection.hIncrBy(key, JSON.stringify([definitionVersion, step, field]), 1),
          ),
          connection.expireAt(key, dropAt),
        ]),
      );
    },
    async readRejections({ flow, since, until }) {
      const sums = new Map<string, number>();
      const [from, to] = [rejectionHour(since), rejectionHour(until)];
      for (let first = from; first < to; first += readChunk) {
        const hours = Array.from({ length: Math.min(readChunk, to - first) }, (_, i) => first + i);
        const hashes = await run(() =>
          Promise.all(hours.map((hour) => connection.hGetAll(keyOf(flow, hour)))),
        );
        for (const hash of hashes) {
          for (const [field, count] of Object.entries(hash)) {
            sums.set(field, (sums.get(field) ?? 0) + Number(count));
          }
        }
      }
      return [...sums].map(([key, count]) => {
        const [definitionVersion, step, field] = JSON.parse(key) as [number, string, string];
        return { definitionVersion, step, field, count };
      });
    },
  };
}
