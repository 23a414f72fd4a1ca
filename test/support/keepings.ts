import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import type { FlowDefinition } from "../../src/flow/types.ts";
import { createWaymark, type HandlerOptions } from "../../src/http/app.ts";
import { createPostgresStore } from "../../src/store/postgres.ts";
import { createRedisStore } from "../../src/store/redis.ts";
import { createSqliteStore } from "../../src/store/sqlite.ts";
import type { FlowStore } from "../../src/store/types.ts";
import { generateKeyEntry, parseKeyring } from "../../src/token/jwe.ts";
import { createTokenMode } from "../../src/token/mode.ts";
import { freshDatabase } from "./postgres-database.ts";

/**
 * Where flows are kept, as a server process would open it: `open` is called once per
 * server start (a restart opens it again on the same data), `drop` at the end.
 */
export interface Keeping {
  name: string;
  setUp(): Promise<{ open: () => Promise<FlowStore | undefined>; drop: () => Promise<void> }>;
}

const clusterNodes = () =>
  inject("redisClusterNodes")
    .split(",")
    .map((node) => `redis://${node}`);

export const keepings: Keeping[] = [
  {
    name: "SQLite",
    async setUp() {
      const dir = mkdtempSync(join(tmpdir(), "waymark-lifecycle-"));
      return {
        open: async () => createSqliteStore({ path: join(dir, "flows.db") }),
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    async setUp() {
      const database = await freshDatabase();
      return { open: () => createPostgresStore({ url: database.url }), drop: database.drop };
    },
  },
  {
    name: "Redis",
    async setUp() {
      const prefix = `lifecycle:${crypto.randomUUID()}:`;
      return {
        open: () => createRedisStore({ url: inject("redisUrl"), prefix }),
        drop: async () => {},
      };
    },
  },
  {
    name: "Redis Cluster",
    async setUp() {
      const prefix = `lifecycle:${crypto.randomUUID()}:`;
      return {
        open: () => createRedisStore({ clusterNodes: clusterNodes(), prefix }),
        drop: async () => {},
      };
    },
  },
  {
    name: "token mode",
    async setUp() {
      return { open: async () => undefined, drop: async () => {} };
    },
  },
];

const keys = generateKeyEntry("k1");

/** One server start: a handler over `flows` and the kept flows, with a clock the test moves. */
export function serve(
  flows: FlowDefinition[],
  store: FlowStore | undefined,
  clock: { now: Date },
  options: Partial<Omit<HandlerOptions, "flows" | "now">> = {},
) {
  const tokens = createTokenMode({ keyring: parseKeyring(keys) });
  const waymark = createWaymark({
    ...options,
    flows,
    ...(store ? { store } : { tokens }),
    now: () => clock.now,
  });
  const send = async (method: string, path: string, json?: unknown) => {
    const response = await waymark.fetch(
      new Request(`http://waymark.test${path}`, {
        method,
        ...(json === undefined
          ? {}
          : { body: JSON.stringify(json), headers: { "content-type": "application/json" } }),
      }),
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      headers: response.headers,
    };
  };
  return send;
}

/**
 * Runs `test` on fresh kept flows, dropped afterwards: `open` starts a server (a handler
 * on `flows`, on the kept data opened again) and `restart` closes the last one first.
 */
export async function withServers(
  keeping: Keeping,
  test: (servers: {
    clock: { now: Date };
    start: (
      flows: FlowDefinition[],
      options?: Partial<Omit<HandlerOptions, "flows" | "now">>,
    ) => Promise<ReturnType<typeof serve>>;
    store: () => FlowStore | undefined;
  }) => Promise<void>,
): Promise<void> {
  const { open, drop } = await keeping.setUp();
  const clock = { now: new Date("2026-12-01T09:00:00Z") };
  let current: FlowStore | undefined;
  try {
    await test({
      clock,
      async start(flows, options) {
        await current?.close();
        current = await open();
        return serve(flows, current, clock, options);
      },
      store: () => current,
    });
  } finally {
    await current?.close();
    await drop();
  }
}
