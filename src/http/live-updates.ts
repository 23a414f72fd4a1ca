import { WaymarkError } from "../errors.ts";
import type { Caller } from "../service/access.ts";
import { type FlowFollow, type FlowNotice, followFlow, isCompleted } from "../service/follow.ts";
import type { FlowService, FlowView } from "../service/types.ts";

/**
 * Settings of live updates, `GET /{flow}/{flowId}/events` (Server-Sent Events), in
 * {@link WaymarkOptions}. Every member also takes `undefined`, for settings read from
 * the environment.
 *
 * @example { maxStreams: 2_000, heartbeatMs: 15_000, idleTimeoutMs: 300_000 }
 */
export interface LiveUpdateOptions {
  /**
   * Most streams this instance holds open at once; one more is answered 503
   * `too-many-streams` with `Retry-After`. A positive integer.
   * @default 1000
   */
  maxStreams?: number | undefined;
  /**
   * Milliseconds between two heartbeats (an SSE comment line) on a stream, so that
   * proxies and load balancers see it is alive. A positive integer.
   * @default 15000
   */
  heartbeatMs?: number | undefined;
  /**
   * Milliseconds a stream stays open without an event (heartbeats do not count) before
   * the server ends it; `EventSource` then reconnects with `Last-Event-ID` and misses
   * nothing. A positive integer.
   * @default 300000
   */
  idleTimeoutMs?: number | undefined;
  /**
   * Milliseconds a client should wait before reconnecting, sent as the stream's `retry:`
   * hint. A positive integer.
   * @default 2000
   */
  retryMs?: number | undefined;
}

/**
 * The live update streams of one handler: how many are open, and a way to end them all.
 *
 * @example new Gauge({ name: "waymark_live_streams", help: "Open live update streams", collect() { this.set(waymark.liveUpdates.openStreams); } })
 */
export interface LiveUpdates {
  /** How many streams are open on this instance now. */
  readonly openStreams: number;
  /**
   * Ends every open stream and releases its watch, as on shutdown: clients reconnect,
   * with `Last-Event-ID`, to another instance. `startServer` and `waymark serve` call it
   * when they close, so that streams do not hold the server open.
   */
  closeStreams(): Promise<void>;
}

/** What one request for a stream brings. */
export interface StreamRequest {
  flow: string;
  flowId: string;
  caller: Caller;
  /**
   * The `Last-Event-ID` header, if sent: the version the client last saw. The current
   * state is sent at once unless it is that very version (an id above the current
   * version is one the flow never had, and counts as none).
   */
  lastEventId: string | undefined;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** HEAD: the answer's headers only, and no stream. */
  head: boolean;
}

/** Live updates as the routes use them. */
export interface LiveUpdatesHandler extends LiveUpdates {
  /**
   * Answers a request for a flow's events: a `text/event-stream` response, 204 when the
   * flow is completed and the client has seen it, or a thrown `WaymarkError`.
   */
  open(request: StreamRequest): Promise<Response>;
}

/**
 * The SSE `data` of a flow's state: a nudge to read it, never its step data.
 *
 * @example { version: 3, status: "in_progress", currentStep: { number: 2, name: "contract-details" }, updatedAt: "2030-01-15T09:00:00.000Z", expiresAt: "2030-01-22T09:00:00.000Z", etag: "\"v3\"" }
 */
export interface FlowStateEvent {
  version: number;
  status: "in_progress" | "completed";
  currentStep: { number: number; name: string } | null;
  updatedAt: string;
  expiresAt: string;
  etag: string;
}

const encoder = new TextEncoder();
/** Chunks a stream may queue for a client that does not read before it is ended. */
const maxQueued = 64;

/**
 * Live updates over one flow service, with their settings checked.
 *
 * @throws RangeError for a setting that is not a positive integer.
 */
export function createLiveUpdates(
  service: FlowService,
  now: () => Date,
  options: LiveUpdateOptions = {},
): LiveUpdatesHandler {
  const maxStreams = positive("liveUpdates.maxStreams", options.maxStreams ?? 1_000);
  const heartbeatMs = positive("liveUpdates.heartbeatMs", options.heartbeatMs ?? 15_000);
  const idleTimeoutMs = positive("liveUpdates.idleTimeoutMs", options.idleTimeoutMs ?? 300_000);
  const retryMs = positive("liveUpdates.retryMs", options.retryMs ?? 2_000);
  /** Each open stream's end, and the slots taken by streams still being opened. */
  const streams = new Set<() => Promise<void>>();
  let opening = 0;

  return {
    get openStreams() {
      return streams.size;
    },
    async closeStreams() {
      await Promise.all([...streams].map((end) => end()));
    },
    async open(request) {
      if (streams.size + opening >= maxStreams) {
        throw new WaymarkError(
          "too-many-streams",
          "This server holds as many live update streams as it allows; try again shortly",
          { retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) },
        );
      }
      const since = versionOf(request.lastEventId);
      opening++;
      let follow: FlowFollow;
      /** Notices that came before the stream was there to take them. */
      const early: FlowNotice[] = [];
      let deliver = (notice: FlowNotice): void => void early.push(notice);
      let failed = false;
      let fail = (): void => {
        failed = true;
      };
      try {
        follow = await followFlow(service, request.flow, request.flowId, {
          now,
          caller: request.caller,
          onNotice: (notice) => deliver(notice),
          onFailure: () => fail(),
        });
      } finally {
        opening--;
      }
      const { current } = follow;
      // Only the current version itself was seen: an id above it is one this flow never
      // had (another flow's, made up, or from before a store was restored), so the
      // client holds no state of it and gets the current one, as if it sent no id.
      const seen = since === current.record.version;
      if (request.head || request.signal.aborted || (seen && isCompleted(current))) {
        await follow.close();
        // A client that saw the completion is told not to reconnect (204 ends EventSource).
        return request.head
          ? new Response(null, { status: 200, headers: streamHeaders })
          : new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
      }

      let controller!: ReadableStreamDefaultController<Uint8Array>;
      let ended = false;
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const end = async () => {
        if (ended) return;
        ended = true;
        streams.delete(end);
        clearInterval(heartbeat);
        clearTimeout(idle);
        request.signal.removeEventListener("abort", onAbort);
        try {
          controller.close();
        } catch {
          // Cancelled by the client already: nothing left to close.
        }
        await follow.close();
      };
      const onAbort = () => void end();
      const write = (text: string) => {
        if (ended) return;
        if ((controller.desiredSize ?? 0) < -maxQueued) {
          // A client this far behind is not reading: it reconnects, and misses nothing.
          void end();
          return;
        }
        controller.enqueue(encoder.encode(text));
      };
      const restartIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => void end(), idleTimeoutMs);
      };
      const send = (notice: FlowNotice) => {
        write(eventText(notice));
        if (notice.type === "flow.changed") restartIdle();
        else void end();
      };

      const stream = new ReadableStream<Uint8Array>(
        {
          start(streamController) {
            controller = streamController;
          },
          cancel: () => end(),
        },
        { highWaterMark: 1 },
      );
      streams.add(end);
      request.signal.addEventListener("abort", onAbort, { once: true });
      heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
      restartIdle();
      write(`retry: ${retryMs}\n\n`);
      if (!seen) send({ type: "flow.changed", view: current });
      if (isCompleted(current)) send({ type: "flow.completed", view: current });
      for (const notice of early) if (!ended) send(notice);
      deliver = send;
      fail = () => void end();
      // The follow failed before the stream was there: the client reconnects and reads again.
      if (failed) void end();
      return new Response(stream, { status: 200, headers: streamHeaders });
    },
  };
}

const streamHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  // nginx passes the stream on as it comes, whatever its proxy_buffering says.
  "x-accel-buffering": "no",
};

/** One SSE event: its id (the flow version), type and data; `flow.deleted` has no id. */
function eventText(notice: FlowNotice): string {
  if (notice.type === "flow.deleted") {
    return `event: flow.deleted\ndata: ${JSON.stringify({ version: notice.version })}\n\n`;
  }
  const state = flowState(notice.view);
  return `id: ${state.version}\nevent: ${notice.type}\ndata: ${JSON.stringify(state)}\n\n`;
}

/**
 * What an event says about a flow: its version, status, current step, times and ETag.
 *
 * @example flowState(view) // { version: 3, status: "in_progress", currentStep: { number: 2, name: "contract-details" }, … }
 */
function flowState(view: FlowView): FlowStateEvent {
  const { record, plan, etag } = view;
  const current = plan.find((step) => step.status === "current");
  return {
    version: record.version,
    status: current ? "in_progress" : "completed",
    currentStep: current ? { number: current.number, name: current.name } : null,
    updatedAt: new Date(record.updatedAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    etag,
  };
}

/** The version a `Last-Event-ID` names; anything else counts as none sent. */
function versionOf(lastEventId: string | undefined): number | undefined {
  const trimmed = lastEventId?.trim();
  return trimmed && /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}

function positive(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive integer, not ${value}`);
  }
  return value;
}
