/**
 * Where users of one flow drop off, over a time window: what `waymark funnel` prints
 * (with `--json`, exactly this) and `/admin/funnel` draws. Counts only, never flow ids
 * or data.
 *
 * @example
 * { flow: "onboarding", since: "2026-11-24T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z",
 *   versions: [{ definitionVersion: 1, started: 120, completed: 84, completionRate: 0.7, steps: [ … ] }] }
 */
export interface FunnelReport {
  flow: string;
  /** Flows started at or after this instant (RFC 3339) are counted… */
  since: string;
  /** …and before this one (RFC 3339). */
  until: string;
  /** One funnel per definition version a counted flow is on, oldest version first. */
  versions: FunnelVersion[];
}

/** The funnel of one definition version of a flow. */
export interface FunnelVersion {
  definitionVersion: number;
  /** Flows started in the window, on this version now. */
  started: number;
  /** Of those, how many are completed. */
  completed: number;
  /** `completed / started`, from 0 to 1; 0 when none started. */
  completionRate: number;
  /** Every step of the definition, in order. */
  steps: FunnelStep[];
}

/** One step of a {@link FunnelVersion}. */
export interface FunnelStep {
  /** 1-based position in the definition. */
  number: number;
  name: string;
  title?: string | undefined;
  /** Flows that got to this step: it became their current step at some time. */
  reached: number;
  /** Flows that submitted it (its first submission counts). */
  completed: number;
  /** Flows that reached it and went no further: in progress there now, expired or erased. */
  stopped: number;
  /** Flows that went past it because its `when` was false. */
  skipped: number;
  /**
   * Milliseconds from the step becoming current to its first submission, over the flows
   * that completed it; null when none did.
   */
  timeMs: { median: number | null; p90: number | null };
  /** The fields refused most often (422) on this step, most first: names, never values. */
  failedFields: { field: string; count: number }[];
}
