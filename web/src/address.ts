import type { FlowHandle } from "./api.ts";

/**
 * The fragment that addresses a flow: its id, then `~` and its secret for a flow whose
 * access is `secret`. Flow ids (UUIDs, tokens) and secrets are base64url or hex and
 * never hold a `~`.
 *
 * @example fragmentOf(flow) // "3f0c…" or "3f0c…~kq3…"
 */
export function fragmentOf(flow: FlowHandle): string {
  return flow.secret === undefined ? flow.id : `${flow.id}~${flow.secret}`;
}

/**
 * The flow id (and secret) the page's address names: `""` when it names none.
 * @example addressInUrl() // { flowId: "3f0c…", secret: undefined }
 */
export function addressInUrl(): { flowId: string; secret: string | undefined } {
  const fragment = location.hash.slice(1);
  let decoded = fragment;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    // A malformed escape is passed on as it is: the server says the flow is not valid.
  }
  const split = decoded.indexOf("~");
  if (split < 0) return { flowId: decoded, secret: undefined };
  return { flowId: decoded.slice(0, split), secret: decoded.slice(split + 1) };
}

/**
 * The one unfinished flow of `flowName` this browser keeps in `localStorage` (its
 * fragment, nothing else), so that the bare address can offer to continue it.
 *
 * @example const { remember, remembered, forget } = unfinishedFlow("onboarding");
 */
export function unfinishedFlow(flowName: string) {
  const key = `waymark:${flowName}:unfinished`;
  const forget = () => storage(() => localStorage.removeItem(key));
  return {
    /** Keeps an unfinished flow's fragment; a completed flow is forgotten. */
    remember(flow: FlowHandle): void {
      if (flow.latest?.status === "completed") forget();
      else storage(() => localStorage.setItem(key, fragmentOf(flow)));
    },
    remembered(): string | undefined {
      return storage(() => localStorage.getItem(key)) ?? undefined;
    },
    forget(): void {
      forget();
    },
  };
}

/** Storage may be off (private windows, policies): the page works without it. */
function storage<T>(use: () => T): T | undefined {
  try {
    return use();
  } catch {
    return undefined;
  }
}
