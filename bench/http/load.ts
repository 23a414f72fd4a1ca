/** Creates flows through a server's API and drives step-1 writes at it with autocannon. */
import autocannon from "autocannon";

/** Two valid personal-info submissions; a flow gets the other one on each visit. */
const bodies = [
  { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", dateOfBirth: "1990-12-10" },
  { firstName: "Grace", lastName: "Hopper", email: "grace@example.com", dateOfBirth: "1986-12-09" },
].map((body) => JSON.stringify(body));

export async function createFlows(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const one = async () => {
    while (ids.length < count) {
      const response = await fetch(`${url}/onboarding`, { method: "POST" });
      if (response.status !== 201) throw new Error(`POST /onboarding: ${response.status}`);
      ids.push(((await response.json()) as { flowId: string }).flowId);
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return ids.slice(0, count);
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Rotates through the flows; the visit count picks the body, so every write changes data. */
export function stepWriter(ids: string[]) {
  let sent = 0;
  return {
    method: "PUT" as const,
    headers: { "content-type": "application/json" },
    setupRequest(request: Record<string, unknown>) {
      const n = sent++;
      const id = ids[n % ids.length];
      const body = bodies[Math.floor(n / ids.length) % 2];
      return { ...request, path: `/onboarding/${id}/step/1`, body };
    },
  };
}

export async function drive(
  url: string,
  writer: ReturnType<typeof stepWriter>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [writer],
  });
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
