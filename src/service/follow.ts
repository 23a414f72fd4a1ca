import { WaymarkError } from "../errors.ts";
import { isCompleted as isPlanCompleted } from "../flow/events.ts";
import { unknownFlow } from "../flow/registry.ts";
import type { FlowWatch } from "../store/types.ts";
import type { Caller } from "./access.ts";
import { isStoreId, notFound } from "./flows.ts";
import type { FlowService, FlowView } from "./types.ts";

/**
 * What a follower of one flow is told, after the state it started from: the flow
 * changed (a newer version), and then, when it happened, that it completed, expired or
 * was erased. After `flow.completed`, `flow.expired` or `flow.deleted` nothing more
 * comes. Several writes between two loads come as one `flow.changed`: the latest.
 *
 * @example { type: "flow.changed", view }
 */
export type FlowNotice =
  | { type: "flow.changed"; view: FlowView }
  | { type: "flow.completed"; view: FlowView }
  /** `view` is the last state seen before it expired. */
  | { type: "flow.expired"; view: FlowView }
  /** `version` is the last version seen before it was erased. */
  | { type: "flow.deleted"; version: number };

/**
 * What {@link followFlow} takes besides the flow: the clock, who is asking, and where
 * the notices go.
 *
 * @example { now: () => new Date(), caller, onNotice: (notice) => send(notice), onFailure: () => end() }
 */
export interface FollowInput {
  /** The clock, read for each load and to time the expiry. */
  now: () => Date;
  /** Who is asking, as for a read: the same access decides. */
  caller?: Caller | undefined;
  /** Called with each notice after the starting state, in order; must not throw. */
  onNotice(notice: FlowNotice): void;
  /**
   * Called once when a later load fails for another reason than the flow being gone or
   * expired (the store unreachable, a definition that throws): the follow has ended.
   */
  onFailure(error: unknown): void;
}

/**
 * A flow being followed: its state when following began; `close` ends it.
 *
 * @example
 * const follow = await followFlow(service, "onboarding", id, input);
 * follow.current.record.version // 1
 * await follow.close();
 */
export interface FlowFollow {
  /** The flow as the first load found it, after the watch was live. */
  readonly current: FlowView;
  /** Ends the follow and releases its watch; harmless twice. */
  close(): Promise<void>;
}

/** The longest a timer may wait (`setTimeout` takes a signed 32-bit count of ms). */
const maxTimerMs = 2_147_483_647;

/**
 * Follows one flow: watches it in the store, then reads it as `read` does (the same
 * access, the same 404 and 410), and from then on loads it again at each signal the
 * store gives, at most one load at a time (signals during a load make one more load
 * after it), telling `onNotice` when the version moved. It also wakes at the flow's
 * `expiresAt`, which nothing else signals, and says `flow.expired` once a load confirms it.
 *
 * The watch is taken before the first load, so a write that lands between the two is
 * not missed: it is in the first load, or it signals a second.
 *
 * @throws WaymarkError `live-updates-unavailable` in token mode (the flow id is the
 * state: there is nothing on the server to watch) and with a store without
 * `watchFlow`; otherwise what {@link FlowService.read} throws: `unknown-flow`,
 * `flow-not-found`, `flow-expired`, `definition-retired`, `store-unavailable`…
 * @example
 * const follow = await followFlow(service, "onboarding", id, {
 *   now: () => new Date(),
 *   onNotice: (notice) => console.log(notice.type),
 *   onFailure: () => undefined,
 * });
 * console.log(follow.current.record.version);
 * await follow.close();
 */
export async function followFlow(
  service: FlowService,
  flow: string,
  flowId: string,
  input: FollowInput,
): Promise<FlowFollow> {
  const { store } = service;
  // An unknown flow name is still an unknown flow, whatever the mode.
  if (!service.registry.latest(flow)) throw unknownFlow(flow);
  if (!store?.watchFlow) {
    throw new WaymarkError(
      "live-updates-unavailable",
      store
        ? "This server's store cannot signal changes: read the flow again to see them"
        : "In token mode the flow id is the flow's state: there is nothing on the server to watch",
    );
  }
  // Nothing to watch under an id no flow can have: answered as the read would.
  if (!isStoreId(flowId)) throw notFound(flow);
  const { now, caller, onNotice, onFailure } = input;
  const read = () => service.read(flow, flowId, { now: now(), caller });

  let closed = false;
  let loading = false;
  let again = false;
  /** A signal came before the first load finished. */
  let early = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: FlowView | undefined;

  const stop = () => {
    closed = true;
    clearTimeout(timer);
  };
  const ending = (notice: FlowNotice) => {
    stop();
    void watch.close();
    onNotice(notice);
  };

  /** Loads once, then again while signals came during the load. */
  const refresh = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        await loadOnce();
      } while (again && !closed);
    } finally {
      loading = false;
    }
  };

  const loadOnce = async () => {
    if (closed || !last) return;
    const seen = last;
    try {
      const found = await read();
      if (closed) return;
      if (found.record.version <= seen.record.version) return;
      last = found;
      onNotice({ type: "flow.changed", view: found });
      if (isCompleted(found)) ending({ type: "flow.completed", view: found });
      else schedule(found);
    } catch (error) {
      if (closed) return;
      const code = error instanceof WaymarkError ? error.code : undefined;
      if (code === "flow-not-found" || code === "invalid-flow-token") {
        ending({ type: "flow.deleted", version: seen.record.version });
      } else if (code === "flow-expired" || code === "definition-retired") {
        ending({ type: "flow.expired", view: seen });
      } else {
        stop();
        void watch.close();
        onFailure(error);
      }
    }
  };

  /** Wakes at the flow's expiry, to confirm it with a load. */
  const schedule = (view: FlowView) => {
    clearTimeout(timer);
    const wait = Math.min(maxTimerMs, Math.max(0, view.record.expiresAt - now().getTime()));
    timer = setTimeout(() => void refreshExpiry(), wait);
    timer.unref?.();
  };

  // A load at expiry finds the same version, so it says nothing on its own: here the
  // expiry is what is asked about.
  const refreshExpiry = async () => {
    if (closed || !last) return;
    const seen = last;
    if (now().getTime() < seen.record.expiresAt) {
      schedule(seen);
      return;
    }
    await refresh();
    if (!closed && last === seen) {
      // Still the same version and the load did not refuse it: not expired after all
      // (a clock ahead of the store's, say). Look again in a second.
      timer = setTimeout(() => void refreshExpiry(), 1_000);
      timer.unref?.();
    }
  };

  const watch: FlowWatch = await store.watchFlow(flowId, () => {
    if (!last) early = true;
    else if (!closed) void refresh();
  });
  try {
    const current = await read();
    last = current;
    if (!isCompleted(current)) schedule(current);
    else stop();
    // A signal during the first load may stand for a write the load did not see.
    if (early && !closed) void refresh();
    return {
      current,
      async close() {
        stop();
        await watch.close();
      },
    };
  } catch (error) {
    stop();
    await watch.close();
    throw error;
  }
}

/** Whether a flow is completed: no step is current. */
export function isCompleted(view: FlowView): boolean {
  return isPlanCompleted(view.plan);
}
