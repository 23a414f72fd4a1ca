import type { Delivery } from "../store/types.ts";

/** One delivery as `waymark deliveries` shows it; `--json` prints these. */
export interface DeliveryRow {
  key: string;
  state: "pending" | "dead";
  destination: string;
  eventType: string;
  flow: string;
  flowId: string;
  attempts: number;
  /** ISO 8601: the next attempt of a pending delivery, the last of a dead one. */
  nextAttemptAt: string;
  lastError?: string;
}

/**
 * The row of a delivery: what an operator needs to find it and retry it, and no event
 * data beyond names.
 *
 * @example deliveryRow(delivery).nextAttemptAt // "2026-01-01T00:00:05.000Z"
 */
export function deliveryRow(delivery: Delivery): DeliveryRow {
  return {
    key: delivery.key,
    state: delivery.state,
    destination: delivery.destination,
    eventType: delivery.event.type,
    flow: delivery.event.flow,
    flowId: delivery.event.flowKey,
    attempts: delivery.attempts,
    nextAttemptAt: new Date(delivery.nextAttemptAt).toISOString(),
    ...(delivery.lastError === undefined ? {} : { lastError: delivery.lastError }),
  };
}

/**
 * Deliveries as a table for people, one line each, and a last line that says how many
 * (and that there are more, past `--limit`).
 *
 * @example process.stdout.write(formatDeliveries(page, { state: "dead", more: false }));
 */
export function formatDeliveries(
  deliveries: readonly Delivery[],
  { state, more }: { state: "pending" | "dead"; more: boolean },
): string {
  if (deliveries.length === 0) return `No ${state} deliveries.\n`;
  const header = [
    "KEY",
    "DESTINATION",
    "EVENT",
    "FLOW",
    "ATTEMPTS",
    state === "dead" ? "LAST ATTEMPT" : "NEXT ATTEMPT",
    "LAST ERROR",
  ];
  const rows = deliveries
    .map(deliveryRow)
    .map((row) => [
      row.key,
      row.destination,
      row.eventType,
      row.flow,
      String(row.attempts),
      row.nextAttemptAt,
      row.lastError ?? "",
    ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const lines = [header, ...rows].map((cells) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd(),
  );
  const count = `${deliveries.length} ${state} ${deliveries.length === 1 ? "delivery" : "deliveries"}`;
  const foot = more ? `${count} shown; there may be more (raise --limit).` : `${count}.`;
  return `${[...lines, "", foot].join("\n")}\n`;
}
