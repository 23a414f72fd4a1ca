import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, startCluster, stopEverything, track } from "./support/cluster.ts";
import { formatCounts } from "./support/load.ts";
import { jsonRequest, personalInfo } from "./support/onboarding-data.ts";
import { registerHistory } from "./support/register-history.ts";
import { startPostgres, startRedis, startRedisCluster } from "./support/servers.ts";

afterAll(stopEverything);

/** A store for the three instances: its URL, and how to remove it afterwards. */
type Backend = () => Promise<{ url: string; destroy(): Promise<void> }>;

const backends: Array<[string, Backend]> = [
  [
    "SQLite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "waymark-scale-"));
      const destroy = async () => rmSync(dir, { recursive: true, force: true });
      return { url: `sqlite:${join(dir, "flows.db")}`, destroy };
    },
  ],
  ["PostgreSQL", startPostgres],
  ["Redis", () => startRedis({ persistent: true })],
  [
    "Redis Cluster",
    async () => {
      const nodes = await startRedisCluster();
      return { url: `redis+cluster://${nodes.url}`, destroy: () => nodes.destroy() };
    },
  ],
];

async function startFlow(url: string): Promise<string> {
  const response = await fetch(`${url}/onboarding`, { method: "POST" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { flowId: string }).flowId;
}

describe.each(backends)("concurrent writers through nginx, three instances on %s", (name, open) => {
  let store: Awaited<ReturnType<Backend>> | undefined;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    store = track(await open());
    cluster = await startCluster({ store: store.url });
  });

  afterAll(async () => {
    await cluster?.close();
    await store?.destroy();
  });

  it("keeps one chain of versions per flow under conditional writes (If-Match)", async () => {
    const url = (cluster as Cluster).url;
    const flowIds = [await startFlow(url), await startFlow(url), await startFlow(url)];
    const clients = 24;
    const history = await registerHistory(url, flowIds, clients, 6_000);
    console.log(
      `scale, register history, ${name}: ${clients} clients, ${flowIds.length} flows, 6 s; ` +
        `${history.operations} conditional writes: ${history.ok} ok, ${history.fail} × 412, ` +
        `${history.info} unknown; ${history.reads} states read; last versions ` +
        `${history.versions.join(", ")}; lost ${history.lost.length}, unexpected ${history.unexpected.length}`,
    );
    expect(history.ok).toBeGreaterThan(20);
    expect(history.fail).toBeGreaterThan(0);
    expect(history.lost).toEqual([]);
    expect(history.unexpected).toEqual([]);
  }, 60_000);

  it("accepts 200 concurrent unconditional writes to one flow, each with its own version", async () => {
    const url = (cluster as Cluster).url;
    const flowId = await startFlow(url);
    const writers = 200;
    const answers = await Promise.all(
      Array.from({ length: writers }, async (_, index) => {
        const data = { ...personalInfo, firstName: `Writer ${index}` };
        const response = await fetch(
          `${url}/onboarding/${flowId}/step/1`,
          jsonRequest("PUT", data),
        );
        const body = (await response.json()) as { version?: number; type?: string };
        return { status: response.status, version: body.version, type: body.type };
      }),
    );
    const final = await fetch(`${url}/onboarding/${flowId}`);
    const { version } = (await final.json()) as { version: number };
    const counts: Record<string, number> = {};
    for (const answer of answers) {
      const key = answer.type
        ? `${answer.status} ${answer.type.replace("urn:waymark:problem:", "")}`
        : String(answer.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    const versions = answers.flatMap((answer) => (answer.status === 200 ? [answer.version] : []));
    console.log(
      `scale, ${writers} concurrent unconditional writers on one flow, ${name}: ` +
        `${formatCounts(counts)}; ${new Set(versions).size} distinct versions; the flow ends at v${version}`,
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(new Set(versions).size).toBe(writers);
    expect(version).toBe(1 + writers);
  }, 60_000);
});
