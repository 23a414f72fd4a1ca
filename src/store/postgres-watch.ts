import { createHash } from "node:crypto";
import { WaymarkError } from "../errors.ts";
import type { FlowWatch } from "./types.ts";
import { newWatches, watchOf } from "./watches.ts";

/** The subset of a `pg` PoolClient the listening connection uses. */
export interface PostgresPoolClient {
  query(text: string): Promise<unknown>;
  on(event: "notification", listener: (message: PostgresNotification) => void): unknown;
  on(event: "error" | "end", listener: () => void): unknown;
  off(event: "notification", listener: (message: PostgresNotification) => void): unknown;
  off(event: "error" | "end", listener: () => void): unknown;
  /** Back to the pool; `true` closes the connection instead. */
  release(destroy?: boolean): void;
}

/** A `NOTIFY` as `pg` hands it over. */
export interface PostgresNotification {
  channel: string;
  payload?: string | undefined;
}

/** The flow watches of one PostgreSQL store handle. */
export interface PostgresWatches {
  /** What `watchFlow` does. */
  watch(id: string, onChange: () => void): Promise<FlowWatch>;
  /** Ends every watch and releases the listening connection. */
  close(): Promise<void>;
}

/** Back-off between attempts to listen again after the connection was lost, in ms. */
const retryMs = { first: 100, max: 5_000, jitter: 100 };

/**
 * The `NOTIFY` channel of the Waymark tables in `schema`: two deployments on one database
 * (each in its schema) never hear each other. A channel is an identifier, at most 63
 * bytes: a longer name is shortened to a hash of the schema.
 *
 * @example channelOf("public") // "waymark:public"
 */
export function channelOf(schema: string): string {
  const channel = `waymark:${schema}`;
  if (Buffer.byteLength(channel) <= 63) return channel;
  return `waymark:${createHash("sha256").update(schema).digest("hex").slice(0, 40)}`;
}

/**
 * Watches over PostgreSQL `LISTEN`: one connection taken from `pool` at the first watch
 * and listening on `channel`, where every write of a flow sends its id (`pg_notify` in
 * the write's own statement, so a notification goes out exactly when the write commits).
 * The connection goes back to the pool, after `UNLISTEN`, when the last watch closes. If
 * it is lost, another is taken with back-off, and once it listens every watch is
 * signalled, for the notifications missed meanwhile.
 *
 * @param unavailable - turns a failure to connect into the store's error.
 * @example const watches = postgresWatches(() => pool.connect(), "waymark:public", toStoreError);
 */
export function postgresWatches(
  connect: () => Promise<PostgresPoolClient>,
  channel: string,
  unavailable: (error: unknown) => unknown,
): PostgresWatches {
  const watches = newWatches();
  const quoted = `"${channel.replaceAll('"', '""')}"`;
  let closed = false;
  /** The listening connection, once it listens. */
  let current: Listener | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;

  interface Listener {
    /** Releases the connection: after `UNLISTEN` when `graceful`, else closing it. */
    drop(graceful: boolean): Promise<void>;
  }

  const open = async (): Promise<void> => {
    const client = await connect();
    let gone = false;
    const heard = (message: PostgresNotification) => {
      if (message.channel === channel && message.payload) watches.signal(message.payload);
    };
    const detach = () => {
      client.off("notification", heard);
      client.off("error", lost);
      client.off("end", lost);
    };
    const listener: Listener = {
      async drop(graceful) {
        if (gone) return;
        gone = true;
        if (current === listener) current = undefined;
        try {
          if (!graceful) throw new Error("closing");
          await client.query(`UNLISTEN ${quoted}`);
          detach();
          client.release();
        } catch {
          detach();
          client.release(true);
        }
      },
    };
    function lost() {
      if (gone) return;
      void listener.drop(false);
      listenAgain(0);
    }
    client.on("notification", heard);
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.query(`LISTEN ${quoted}`);
    } catch (error) {
      await listener.drop(false);
      throw error;
    }
    if (gone) throw new Error("The listening connection was lost");
    if (closed || watches.size === 0) return listener.drop(true);
    current = listener;
  };

  /** Listens, on the connection there is or a new one; rejects with the store's error. */
  const listen = async () => {
    if (current) return;
    connecting ??= open().finally(() => {
      connecting = undefined;
    });
    try {
      await connecting;
    } catch (error) {
      throw unavailable(error);
    }
  };

  function listenAgain(attempt: number) {
    if (closed || watches.size === 0 || retry !== undefined) return;
    const delay =
      Math.min(retryMs.first * 2 ** attempt, retryMs.max) + Math.random() * retryMs.jitter;
    retry = setTimeout(async () => {
      retry = undefined;
      if (closed || watches.size === 0) return;
      try {
        await listen();
        // Writes made while nobody listened were not heard: every watch looks again.
        watches.signalAll();
      } catch {
        listenAgain(attempt + 1);
      }
    }, delay);
    // Nothing to listen for keeps the process alive by itself.
    retry.unref();
  }

  const release = async () => {
    if (watches.size > 0 || current === undefined) return;
    await current.drop(true);
  };

  return {
    async watch(id, onChange) {
      if (closed) throw new WaymarkError("store-unavailable", "The PostgreSQL store is closed");
      const { close } = watches.add(id, onChange);
      try {
        await listen();
      } catch (error) {
        close();
        await release();
        throw error;
      }
      return watchOf(() => (close() ? release() : undefined));
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      watches.clear();
      await current?.drop(false);
    },
  };
}
