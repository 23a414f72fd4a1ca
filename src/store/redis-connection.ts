import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  createCluster,
  DisconnectsClientError,
  ErrorReply,
  MaxCommandRedirectionsError,
  ReconnectStrategyError,
  RedisClient,
  RootNodesUnavailableError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from "redis";
import { WaymarkError } from "../errors.ts";
import type { RedisStoreOptions } from "./redis.ts";
import type { OutboxConnection } from "./redis-outbox.ts";
import type { RejectionConnection } from "./redis-rejections.ts";
import { type FlowKeys, type FlowTimes, scripts } from "./redis-scripts.ts";
import type { IdempotencyClaim, IdempotencyClaimResult } from "./types.ts";

// The Redis store's connection: one client or a Cluster behind one interface, commands
// bounded by a deadline, and outages told apart from other errors.

/** What the store uses of a standalone client or of a cluster, so both share one path. */
export interface Connection extends OutboxConnection, RejectionConnection {
  readonly isOpen: boolean;
  hGet(key: string, field: string): Promise<string | null>;
  waymarkCreate(
    keys: FlowKeys,
    version: number,
    times: FlowTimes,
    json: string,
    effects: readonly string[],
  ): Promise<boolean>;
  waymarkSave(
    keys: FlowKeys,
    expected: number,
    version: number,
    times: FlowTimes,
    json: string,
    effects: readonly string[],
  ): Promise<boolean>;
  waymarkDelete(
    keys: FlowKeys,
    expectedVersion: number | undefined,
    tombstoneKey: string | undefined,
    effects: readonly string[],
  ): Promise<boolean>;
  waymarkPurge(
    key: string,
    companion: string,
    fields: readonly string[],
    now: number,
  ): Promise<boolean>;
  waymarkClaim(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaimResult>;
  waymarkFinish(key: string, token: string, json: string): Promise<boolean>;
  waymarkRelease(key: string, token: string): Promise<boolean>;
  waymarkUnlock(key: string, token: string): Promise<boolean>;
  set(
    key: string,
    value: string,
    options: { condition: "NX"; expiration: { type: "PX"; value: number } },
  ): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

/** One server to scan and ping: the standalone server, or each Cluster master. */
export interface ServerNode {
  /** `host:port` of a Cluster master, where a walk resumes; "" for a single server. */
  readonly address: string;
  readonly client: {
    scan(
      cursor: string,
      options: { MATCH: string; TYPE: string; COUNT: number },
    ): Promise<{ cursor: string; keys: string[] }>;
    ping(): Promise<unknown>;
  };
}

/**
 * Builds the client without connecting it. Until the first connection succeeds a failed
 * attempt is final, so start-up reports an unreachable Redis; afterwards the client
 * reconnects forever with backoff, and commands fail at once while it is offline instead
 * of queueing up behind the outage.
 */
export function openConnection(
  options: RedisStoreOptions,
  timeoutMs: number,
): { connection: Connection; nodes: () => Promise<ServerNode[]>; connect: () => Promise<void> } {
  let started = false;
  const socket = {
    connectTimeout: timeoutMs,
    // At most about 0.7 s between attempts: a store back from an outage serves again
    // within that, and an attempt on a refused port costs next to nothing.
    reconnectStrategy: (retries: number) =>
      started && Math.min(2 ** retries * 50, 500) + Math.floor(Math.random() * 200),
  };
  const common = { disableOfflineQueue: true, socket };
  const commandOptions = { timeout: timeoutMs };
  // node-redis emits 'error' on every lost connection and reconnect attempt; unheard, it
  // would crash the process. Callers learn of outages from the failing commands instead.
  const ignore = () => undefined;

  if (options.clusterNodes?.length) {
    const urls = options.clusterNodes.map((node) =>
      node.includes("://") ? node : `redis://${node}`,
    );
    const { username, password, socket: first } = RedisClient.parseURL(urls[0] ?? "");
    const cluster = createCluster({
      rootNodes: urls.map((url) => ({ url, socket: { connectTimeout: timeoutMs } })),
      // Discovered nodes get only these settings, not the root nodes' URLs.
      defaults: {
        ...common,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        socket: first.tls ? { ...socket, tls: true } : socket,
      },
      commandOptions,
      scripts,
    });
    cluster.on("error", ignore);
    return {
      connection: cluster,
      nodes: () =>
        Promise.all(
          mastersOf(cluster).map(async (master) => ({
            address: master.address,
            client: await cluster.nodeClient(master),
          })),
        ),
      connect: async () => {
        await cluster.connect();
        started = true;
      },
    };
  }

  if (!options.url) throw new Error("createRedisStore needs a url or clusterNodes");
  const client = createClient({ url: options.url, ...common, commandOptions, scripts });
  client.on("error", ignore);
  return {
    connection: client,
    nodes: async () => [{ address: "", client }],
    connect: async () => {
      await client.connect();
      started = true;
    },
  };
}

/** A Cluster that knows no master (closed, or its topology lost) cannot serve at all. */
function mastersOf<Master>(cluster: { masters: Master[] }): Master[] {
  if (cluster.masters.length === 0) throw new ClientOfflineError();
  return cluster.masters;
}

/**
 * Runs one Redis round trip within `timeoutMs`. Command timeouts already cover the wire;
 * the deadline also covers waits outside it, such as a Cluster node still connecting or
 * a topology refresh, so no request hangs on an outage.
 */
export async function attempt<T>(operation: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = operation();
    // Settles after the deadline won: nobody waits for it, so it must not go unhandled.
    running.catch(() => undefined);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError("Redis did not answer in time")), timeoutMs);
    });
    return await Promise.race([running, deadline]);
  } catch (error) {
    if (isUnreachable(error)) {
      throw new WaymarkError("store-unavailable", "The Redis store is unavailable", {
        cause: error,
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Replies that mean the server or cluster cannot serve now, though it might soon. */
const unavailableReplies =
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|BUSY|READONLY|NOREPLICAS|OOM)\b/;

/** Socket failures Node reports with an error code. */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function isUnreachable(error: unknown): boolean {
  if (error instanceof ErrorReply) return unavailableReplies.test(error.message);
  if (
    error instanceof ClientClosedError ||
    error instanceof ClientOfflineError ||
    error instanceof ConnectionTimeoutError ||
    error instanceof SocketTimeoutError ||
    error instanceof SocketClosedUnexpectedlyError ||
    error instanceof DisconnectsClientError ||
    error instanceof RootNodesUnavailableError ||
    error instanceof ReconnectStrategyError ||
    error instanceof MaxCommandRedirectionsError ||
    error instanceof TimeoutError
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && networkCodes.has(code);
}
