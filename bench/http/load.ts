/** Creates flows through a server's API and drives step-1 writes at it with autocannon. */
import autocannon from "autocannon";

/** Two valid personal-info submissions; a flow gets the other one on each visit. */
const bodies = [
  { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", dateOfBirth: "1990-12-10" },
  { firstName: "Grace", lastName: "Hopper", email: "grace@example.com", dateOfBirth: "1986-12-09" },
].map((body) => JSON.stringify(body));

/** Where one flow's step 1 is written, and the session cookie that names it, if any. */
export interface Target {
  path: string;
  cookie?: string | undefined;
}

/**
 * Starts `count` flows. A flow is what the answer's `Location` names (a store key, or in
 * token mode the sealed flow), or for the express-session peer its `Set-Cookie`.
 */
export async function createFlows(url: string, count: number): Promise<Target[]> {
  const targets: Target[] = [];
  const one = async () => {
    while (targets.length < count) {
      const response = await fetch(`${url}/onboarding`, { method: "POST" });
      if (response.status !== 201) throw new Error(`POST /onboarding: ${response.status}`);
      await response.arrayBuffer();
      const location = response.headers.get("location") ?? "/onboarding";
      const cookie = response.headers.get("set-cookie")?.split(";")[0];
      targets.push({ path: `${location}/step/1`, cookie });
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return targets.slice(0, count);
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

/**
 * Rotates through the flows; the visit count picks the body, so every write changes data.
 * In token mode each write answers a new token, but the bench keeps re-sending the tokens
 * from creation: each is still a valid write of step 1 (on the flow as it was created).
 */
export function stepWriter(targets: Target[]) {
  let sent = 0;
  return {
    method: "PUT" as const,
    headers: { "content-type": "application/json" },
    setupRequest(request: { headers: Record<string, string> }) {
      const n = sent++;
      const target = targets[n % targets.length] as Target;
      const body = bodies[Math.floor(n / targets.length) % 2];
      const headers = target.cookie
        ? { ...request.headers, cookie: target.cookie }
        : request.headers;
      return { ...request, path: target.path, body, headers };
    },
  };
}
export type Writer = ReturnType<typeof stepWriter>;

export async function drive(
  url: string,
  writer: Writer,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds, requests: [writer] });
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * One step-1 write, its answer with the flow id and the times blanked: what must be the
 * same for every variant, so none does less work on the answer than Waymark.
 */
export async function answerShape(url: string, target: Target): Promise<string> {
  const response = await fetch(`${url}${target.path}`, {
    method: "PUT",
    headers: {
      "content-type": "application/json",
      ...(target.cookie ? { cookie: target.cookie } : {}),
    },
    body: bodies[0] as string,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`PUT ${target.path}: ${response.status} ${text}`);
  const { flowId } = JSON.parse(text) as { flowId: string };
  return text
    .replaceAll(flowId, "{flowId}")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "{time}");
}
