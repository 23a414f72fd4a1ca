/** The addresses of one flow's API, from the base URL the client was given. */
export interface FlowUrls {
  /** `{base}/{flow}`: describe and start. */
  flow: URL;
  /** `{base}/{flow}/{flowId}`: read and erase. */
  instance(flowId: string): URL;
  /** `{base}/{flow}/{flowId}/step/{step}`: read and submit a step. */
  step(flowId: string, step: string | number): URL;
  /** `{base}/{flow}/{flowId}/recover`: bring an expired flow back. */
  recover(flowId: string): URL;
}

/**
 * The URLs of `flow` under `baseUrl`, whose path is kept as the base path:
 * `https://host/api` and `https://host/api/` both give `https://host/api/{flow}`. Query
 * and fragment are dropped. A relative `baseUrl` resolves against the page's address.
 *
 * @throws TypeError for a base URL that is not absolute outside a page.
 * @example flowUrls("https://host/api", "onboarding").step("3f0c…", 2).href // "https://host/api/onboarding/3f0c…/step/2"
 */
export function flowUrls(baseUrl: string | URL, flow: string): FlowUrls {
  const base = new URL(baseUrl, pageAddress());
  const prefix = `${base.pathname.replace(/\/+$/, "")}/${encodeURIComponent(flow)}`;
  const at = (path: string) => new URL(path, base.origin);
  const instance = (flowId: string) => `${prefix}/${encodeURIComponent(flowId)}`;
  return {
    flow: at(prefix),
    instance: (flowId) => at(instance(flowId)),
    step: (flowId, step) => at(`${instance(flowId)}/step/${encodeURIComponent(String(step))}`),
    recover: (flowId) => at(`${instance(flowId)}/recover`),
  };
}

/** The page's own address in a browser; undefined elsewhere. */
function pageAddress(): string | undefined {
  const page = (globalThis as { location?: { href?: unknown } }).location;
  return typeof page?.href === "string" ? page.href : undefined;
}
