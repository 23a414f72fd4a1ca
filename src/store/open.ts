import { existsSync } from "node:fs";
import type { FlowStore } from "./types.ts";

/**
 * Opens the store a URL names. `sqlite:./waymark.db` (a file, relative to the working
 * directory), `sqlite:/abs/path.db`, `sqlite::memory:`; add `?synchronous=full` for
 * power-loss durability. Backends load lazily, so unused drivers are never imported.
 * `mustExist` refuses to create a new database, for tools that inspect one.
 *
 * @example const store = await openStore("sqlite:./waymark.db?synchronous=full");
 */
export async function openStore(
  url: string,
  { mustExist = false }: { mustExist?: boolean } = {},
): Promise<FlowStore> {
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
  throw new Error(`unsupported store URL "${redact(url)}": use sqlite:./file.db`);
}

/** The URL without a password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}
