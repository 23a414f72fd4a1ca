import type { FlowEvent } from "../flow/events.ts";
import { historyRepresentation } from "../http/representation.ts";
import { openStore } from "../store/open.ts";
import { type ConfigFlags, resolveConfig } from "./config.ts";

/** The flags of `waymark history`. */
export interface HistoryFlags extends ConfigFlags {
  json?: true;
}

/**
 * `waymark history FLOW_ID`: prints a flow's event log from the store, as a table or
 * JSON (the body `GET /{flow}/{flowId}/history` answers). The log names steps and fields, never values, so it is safe to paste into a
 * ticket. Resolves the exit code: 0 with events, 1 when the flow has none (unknown,
 * erased or purged), 2 when the command could not run (no store, or one without a log).
 */
export async function runHistory(flowId: string, flags: HistoryFlags): Promise<number> {
  let events: FlowEvent[];
  try {
    const store = await openStore(resolveConfig(["store"], flags).store, { mustExist: true });
    try {
      if (!store.readEvents) return fail("this store keeps no event log");
      events = await store.readEvents(flowId);
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (events.length === 0) {
    process.stderr.write(`waymark: no events for flow ${flowId} (unknown, erased or purged)\n`);
    return 1;
  }
  // JSON as `GET /{flow}/{flowId}/history` answers it.
  const flow = events[0]?.flow ?? "";
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(historyRepresentation(flow, flowId, events), null, 2)}\n`
      : formatHistory(events),
  );
  return 0;
}

/**
 * A flow's events as a table: time (UTC), flow version, event, step, and what it names.
 *
 * @example formatHistory(events) // "time                      version  event  …\n…"
 */
export function formatHistory(events: readonly FlowEvent[]): string {
  const rows = events.map((event) => [
    new Date(event.at).toISOString(),
    String(event.version),
    event.type,
    event.step ?? "",
    detailOf(event),
  ]);
  const header = ["time", "version", "event", "step", "fields / detail"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function detailOf(event: FlowEvent): string {
  if (event.type === "flow.migrated") {
    const back = event.steps?.length ? `; sent back: ${event.steps.join(", ")}` : "";
    return `from definition version ${event.fromVersion}${back}`;
  }
  return event.fields?.join(", ") ?? "";
}

function fail(message: string): 2 {
  process.stderr.write(`waymark: ${message}\n`);
  return 2;
}
