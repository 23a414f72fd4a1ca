/** A server a walk goes through: the standalone server, or each Cluster master. */
export interface WalkedServer {
  /** `host:port` of a Cluster master, where a walk resumes; "" for a single server. */
  readonly address: string;
  /** One SCAN page of the keys the walk is after, from `cursor`, about `count` of them. */
  page(cursor: string, count: number): Promise<{ cursor: string; keys: string[] }>;
}

/**
 * Where a walk stands, carried in its cursor: the server being scanned (absent once
 * every one is done) and its SCAN cursor, and the keys found but not handed out yet
 * (a SCAN page can hold a few more than a batch has room for).
 */
interface WalkPosition {
  node?: string | undefined;
  scan: string;
  pending: string[];
}

/**
 * Up to `limit` keys of a walk through every server's keys with SCAN, and the cursor to
 * carry on from (absent once every server is done). The servers are walked in the order
 * of their addresses and the whole position travels in the cursor, so any instance can
 * carry the walk on. SCAN's own promise holds: a key present throughout is found at least
 * once. A Cluster master that is no longer one when the walk reaches it again (after a
 * failover) ends the walk with an error: start it again.
 *
 * @example const { keys, cursor: next } = await walkKeys(servers, cursor, 500);
 */
export async function walkKeys(
  servers: readonly WalkedServer[],
  cursor: string | undefined,
  limit: number,
): Promise<{ keys: string[]; cursor?: string }> {
  const ordered = [...servers].sort((a, b) => (a.address < b.address ? -1 : 1));
  const position: WalkPosition =
    cursor === undefined ? { node: ordered[0]?.address, scan: "0", pending: [] } : read(cursor);
  let index =
    position.node === undefined
      ? ordered.length
      : ordered.findIndex((server) => server.address === position.node);
  if (index < 0) {
    throw new Error(`Redis Cluster node ${position.node} is no longer a master: walk again`);
  }
  const keys = [...position.pending];
  let scan = position.scan;
  for (let server = ordered[index]; server && keys.length < limit; server = ordered[index]) {
    const page = await server.page(scan, limit - keys.length);
    keys.push(...page.keys);
    scan = page.cursor;
    if (scan === "0") index += 1;
  }
  const next: WalkPosition = { node: ordered[index]?.address, scan, pending: keys.slice(limit) };
  const taken = keys.slice(0, limit);
  return next.node === undefined && next.pending.length === 0
    ? { keys: taken }
    : { keys: taken, cursor: Buffer.from(JSON.stringify(next)).toString("base64url") };
}

/** The position in a cursor {@link walkKeys} made; a TypeError for anything else. */
function read(cursor: string): WalkPosition {
  let position: Partial<Record<keyof WalkPosition, unknown>> | null = null;
  try {
    position = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    // Not JSON: refused below with everything else that is not a position.
  }
  const { node, scan, pending } = position ?? {};
  if (
    (node === undefined || typeof node === "string") &&
    typeof scan === "string" &&
    Array.isArray(pending) &&
    pending.every((key) => typeof key === "string")
  ) {
    return { node, scan, pending };
  }
  throw new TypeError("not a cursor of this store's scanRecords");
}
