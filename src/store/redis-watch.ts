import { WaymarkError } from "../errors.ts";
import type { Subscriber } from "./redis-connection.ts";
import type { FlowWatch } from "./types.ts";
import { newWatches, watchOf } from "./watches.ts";

/** The flow watches of one Redis store handle. */
export interface RedisWatches {
  /** What `watchFlow` does. */
  watch(id: string, onChange: () => void): Promise<FlowWatch>;
  /** Ends every watch and closes the subscriber. */
  close(): Promise<void>;
}

/** One flow's subscription: its listener, and whether it is in place yet. */
interface Subscription {
  listener: () => void;
  subscribed: Promise<void>;
}

/**
 * Watches over Redis sharded pub/sub: each write script publishes on its flow's channel
 * (`channelOf(id)`, in the flow's slot), and the store's one subscriber, opened at the
 * first watch, holds one subscription per watched flow, however many watches it has.
 * When a subscribed connection is back from an outage, every watch is signalled, for what
 * was published meanwhile.
 *
 * @param run - runs one Redis call within the store's deadline, as its other methods do.
 * @example const watches = redisWatches(subscriber, (id) => flowKeys(prefix, id).live, run);
 */
export function redisWatches(
  openSubscriber: (resubscribed: () => void) => Subscriber,
  channelOf: (id: string) => string,
  run: <T>(operation: () => Promise<T>) => Promise<T>,
): RedisWatches {
  const watches = newWatches();
  const subscriptions = new Map<string, Subscription>();
  let subscriber: Subscriber | undefined;
  let closed = false;

  const unsubscribe = async (id: string) => {
    const subscription = subscriptions.get(id);
    if (subscription === undefined || subscriber === undefined) return;
    subscriptions.delete(id);
    const { listener } = subscription;
    // Gone from Redis, or not: no watch hears it any more either way.
    await run(() => subscriber?.sUnsubscribe(channelOf(id), listener) ?? Promise.resolve()).catch(
      () => undefined,
    );
  };

  return {
    async watch(id, onChange) {
      if (closed) throw new WaymarkError("store-unavailable", "The Redis store is closed");
      subscriber ??= openSubscriber(() => watches.signalAll());
      const opened = subscriber;
      const { close } = watches.add(id, onChange);
      let subscription = subscriptions.get(id);
      if (subscription === undefined) {
        const listener = () => watches.signal(id);
        subscription = {
          listener,
          subscribed: run(() => opened.sSubscribe(channelOf(id), listener)),
        };
        subscriptions.set(id, subscription);
      }
      try {
        await subscription.subscribed;
      } catch (error) {
        if (close()) await unsubscribe(id);
        throw error;
      }
      return watchOf(() => (close() ? unsubscribe(id) : undefined));
    },
    async close() {
      closed = true;
      watches.clear();
      subscriptions.clear();
      await subscriber?.close();
    },
  };
}
