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
  /** Flows started (created) at or after this instant (RFC 3339) are counted… */
  since: string;
  /** …and before this one (RFC 3339). */
  until: string;
  /**
   * One funnel per definition version a counted flow is on now (a migrated flow counts
   * under the version it moved to), oldest version first. Flows erased or purged are not
   * counted, nor flows on a version the server's definitions do not have.
   */
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
  /**
   * Flows that got to this step: it became their current step at some time (the first
   * applicable step when the flow started, a later one once the previous applicable step
   * was submitted or skipped). Each flow counts once per step, however often it came back.
   */
  reached: number;
  /** Flows that submitted it, at least once (a back-edit's resubmission counts no more). */
  completed: number;
  /**
   * Flows in progress (expired ones included) whose current step this is now: where they
   * stopped. Every flow not completed stops at exactly one step, so the `stopped` of all
   * steps and `completed` add up to `started`.
   */
  stopped: number;
  /** Flows that went past it because its `when` was false. */
  skipped: number;
  /**
   * Milliseconds from the step becoming current to its first submission, over the flows
   * that completed it and whose event log says when both happened (time spent expired
   * before a recovery included): the median and 90th percentile by nearest rank (the
   * smallest time at least half, or 90%, of them do not exceed); null when there is none.
   */
  timeMs: { median: number | null; p90: number | null };
  /**
   * The fields refused most often (422) on this step, most first, then by name; at most
   * 10. Names are JSON Pointers as the step's schema declares them (a key the user made up
   * is `*`; `""` is the whole body, labelled "(the whole step)"), never values.
   *
   * Unlike the other figures, these are not counted over the flows started in the
   * window: they are the refusals made in every hour the window overlaps (whole hours),
   * kept per hour and not per flow, whichever flow made them. They include refusals by
   * flows started before the window and by flows erased or purged since, and a flow
   * refused twice counts twice.
   */
  failedFields: { field: string; count: number }[];
}

/**
 * How a failed field is shown to a person, in the CLI's table and on the admin page
 * alike: its JSON Pointer, or "(the whole step)" for `""`, a body that was not an object
 * (an empty pointer would otherwise show as nothing). `pointer` says whether `label` is
 * a pointer, to be set as code.
 *
 * @example failedFieldLabel("") // { label: "(the whole step)", pointer: false }
 * @example failedFieldLabel("/email") // { label: "/email", pointer: true }
 */
export function failedFieldLabel(field: string): { label: string; pointer: boolean } {
  return field === ""
    ? { label: "(the whole step)", pointer: false }
    : { label: field, pointer: true };
}
