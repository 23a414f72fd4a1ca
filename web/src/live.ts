/*
 * Live updates: an EventSource on the flow's events (`GET /{flow}/{flowId}/events`), so
 * that a page follows a flow another tab or device moves on. An event is only a nudge
 * with the flow's new version; the page reads the flow itself. Where the server serves
 * no live updates (token mode, a store that cannot watch, a proxy that refuses streams),
 * the first attempt fails and the page carries on without them, as before: a write
 * from a stale page is refused with 412 and the page catches up then.
 */

import type { Flow } from "./api.ts";

/** What the page is told: the flow's version now, or undefined once it ended elsewhere. */
export type LiveChange = (version: number | undefined) => void;

/** The page's one subscription, moved from flow to flow as the page does. */
export interface LiveUpdates {
  /** Follows the flow at this events address; stops following any other. */
  follow(eventsUrl: string): void;
  /** Follows nothing. */
  stop(): void;
}

const changes = ["flow.changed", "flow.completed"] as const;
/** After these the flow is read-only or gone: the stream ends, and nothing reconnects. */
const endings = ["flow.completed", "flow.expired", "flow.deleted"] as const;

/**
 * The page's live updates: at most one EventSource at a time, on the flow on screen.
 * `onChange` gets each newer version (the page compares it with what it shows) and
 * `undefined` when the flow expired or was erased.
 */
export function liveUpdates(onChange: LiveChange): LiveUpdates {
  let source: EventSource | undefined;
  let following = "";
  /** Set once a stream was refused before it ever opened: not served here. */
  let unavailable = typeof EventSource === "undefined";

  function stop(): void {
    source?.close();
    source = undefined;
    following = "";
  }

  return {
    stop,
    follow(eventsUrl) {
      if (unavailable || eventsUrl === following) return;
      stop();
      following = eventsUrl;
      const opened = new EventSource(eventsUrl);
      source = opened;
      let everOpen = false;
      opened.addEventListener("open", () => {
        everOpen = true;
      });
      // A closed source after an error was refused (a 404 or 503, or not a stream):
      // EventSource does not retry those. A dropped stream only reconnects by itself.
      opened.addEventListener("error", () => {
        if (opened.readyState !== EventSource.CLOSED) return;
        if (!everOpen) unavailable = true;
        if (source === opened) stop();
      });
      for (const type of changes) {
        opened.addEventListener(type, (event) => {
          if (source === opened) onChange(Number((event as MessageEvent).lastEventId));
        });
      }
      for (const type of endings) {
        opened.addEventListener(type, () => {
          if (source !== opened) return;
          // Closed here, or EventSource would reconnect to a flow that has ended.
          stop();
          if (type !== "flow.completed") onChange(undefined);
        });
      }
    },
  };
}

/**
 * Whether the form of step `number`, on screen while the flow went from `before` to
 * `next` elsewhere, still applies: the flow is in progress and the step is its current
 * one, or a done step being edited that is still done. Then what was typed in it stays.
 */
export function formStillApplies(
  number: number | undefined,
  before: Flow | undefined,
  next: Flow,
): boolean {
  if (number === undefined || next.status !== "in_progress") return false;
  const was = before?.steps.find((step) => step.number === number)?.status;
  const now = next.steps.find((step) => step.number === number)?.status;
  return now === "current" || (was === "done" && now === "done");
}
