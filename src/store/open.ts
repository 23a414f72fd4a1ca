import { existsSync } from "node:fs";
import type { FlowStore } from "./types.ts";

/**
 * Opens the store a URL names. `sqlite:./waymark.db` (a file, relative to the working
 * directory), `sqlite:/abs/path.db`, `sqlite::memory:`; add `?synchronous=full` for
 * power-loss durability. `postgres://user:pass@host/db`; `redis://host:6379` (or
 * `rediss://` for TLS); `redis+cluster://host:port,host:port,…` for Redis Cluster;
 * `token` for no store at all (the flow id is the sealed flow; needs `keyring`). Backends load lazily, so unused drivers are never imported.
 * `mustExist` refuses to create a new database, for tools that inspect one.
 *
 * @example const store = await openStore("sqlite:./waymark.db?synchronous=full");
 */
export async function openStore(
  url: string,
  { mustExist = false }: { mustExist?: boolean } = {},
): Promise<FlowStore> {
  if (url === "token") throw new Error("token mode keeps no flows: there is no store to open");
  const scheme = url.slice(0, url.indexOf(":") + 1);
  if (scheme === "sqlite:") {
    const { createSqliteStore } = await import("./sqlite.ts");
    const [rawPath = "", query = ""] = url.slice("sqlite:".length).split("?", 2);
    const path = rawPath.startsWith("//") ? rawPath.slice(2) : rawPath;
    if (!path) throw new Error(`store URL "${url}" names no file: use sqlite:./waymark.db`);
    const params = new URLSearchParams(query);
    const synchronous = params.get("synchronous") ?? "normal";
    if (synchronous !== "normal" && synchronous !== "full") {
      throw new Error(`store URL "${url}": synchronous must be "normal" or "full"`);
    }
    const file = decodeURIComponent(path);
    if (mustExist && file !== ":memory:" && !existsSync(file)) {
      throw new Error(`no SQLite database at ${file}`);
    }
    return createSqliteStore({ path: file, synchronous });
  }
  if (scheme === "postgres:" || scheme === "postgresql:") {
    return withDriver("pg", scheme, async () => {
      const { createPostgresStore } = await import("./postgres.ts");
      return createPostgresStore({ url });
    });
  }
  if (scheme === "redis:" || scheme === "rediss:") {
    const { createRedisStore } = await withDriver("redis", scheme, () => import("./redis.ts"));
    return createRedisStore({ url });
  }
  if (scheme === "redis+cluster:") {
    const { createRedisStore } = await withDriver("redis", scheme, () => import("./redis.ts"));
    // Credentials, when given, come once before the node list and apply to every node.
    const rest = url.slice("redis+cluster://".length);
    const at = rest.lastIndexOf("@");
    const credentials = at >= 0 ? rest.slice(0, at + 1) : "";
    const nodes = rest
      .slice(at + 1)
      .split(",")
      .filter(Boolean);
    if (nodes.length === 0) throw new Error(`store URL "${redact(url)}" names no cluster node`);
    return createRedisStore({ clusterNodes: nodes.map((node) => `redis://${credentials}${node}`) });
  }
  throw new Error(
    `unsupported store URL "${redact(url)}": use sqlite:./file.db, sqlite::memory:, postgres://…, redis://…, redis+cluster://host:port,… or token (no store)`,
  );
}

/**
 * Runs `load`, which imports the optional package `name` (a peer dependency the user
 * installs only for the store they use), and turns its absence into an error that says
 * what to install.
 */
async function withDriver<T>(name: string, scheme: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (
      code === "ERR_MODULE_NOT_FOUND" &&
      typeof message === "string" &&
      message.includes(`'${name}'`)
    ) {
      throw new Error(`the ${scheme}// store needs the "${name}" package: npm install ${name}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The URL without a password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}
