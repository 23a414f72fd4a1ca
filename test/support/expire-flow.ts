import Database from "better-sqlite3";

const minute = 60_000;
const day = 86_400_000;

/**
 * Expires a flow kept in a `sqlite:` store, as if its time to live had passed, by editing
 * its row (a `waymark serve` process has its own clock, which a test cannot move): the
 * record's `expiresAt` a minute ago, and its `keepUntil`, up to which it can still be
 * recovered, a day ahead or, with `recoverable: false`, a minute ago too. The columns
 * follow, as the store writes them (`keep_until` and its hour `keep_hour` are what the
 * purge sweep goes by).
 */
export function expireFlow(store: string, flowId: string, recoverable: boolean): void {
  const db = new Database(store.replace(/^sqlite:/, ""));
  try {
    const row = db
      .prepare<[string], { record: string }>("SELECT record FROM waymark_flows WHERE id = ?")
      .get(flowId);
    if (!row) throw new Error(`no flow ${flowId} in ${store}`);
    const now = Date.now();
    const keepUntil = recoverable ? now + day : now - minute;
    const record = { ...JSON.parse(row.record), expiresAt: now - minute, keepUntil };
    db.prepare(
      "UPDATE waymark_flows SET expires_at = ?, keep_until = ?, keep_hour = ?, record = ? WHERE id = ?",
    ).run(
      now - minute,
      keepUntil,
      Math.floor(keepUntil / 3_600_000),
      JSON.stringify(record),
      flowId,
    );
  } finally {
    db.close();
  }
}
