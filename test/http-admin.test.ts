import { describe, expect, it } from "vitest";
import { createWaymark, type FlowStore } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { onboarding } from "../examples/onboarding/flow.ts";
import { seededWindow, seedFunnel } from "./support/funnel-seed.ts";

const origin = "http://waymark.test";
const token = "http-admin-test-token-0123456789abcdef";
const bearer = { authorization: `Bearer ${token}` };

function get(waymark: { fetch(request: Request): Promise<Response> }, path: string, headers = {}) {
  return waymark.fetch(new Request(`${origin}${path}`, { headers }));
}

describe("/admin", () => {
  it("is off without a token: every address under it answers 404", async () => {
    const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    for (const path of ["/admin", "/admin/funnel", "/admin/anything"]) {
      const response = await get(waymark, path, bearer);
      expect([path, response.status]).toEqual([path, 404]);
    }
  });

  it("asks for the token: Basic for a browser, an HTML page to one, problem+json to others", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      adminToken: token,
    });
    const browser = await get(waymark, "/admin/funnel", { accept: "text/html,*/*" });
    expect(browser.status).toBe(401);
    expect(browser.headers.get("www-authenticate")).toBe(
      'Basic realm="Waymark admin", charset="UTF-8"',
    );
    expect(browser.headers.get("content-type")).toMatch(/^text\/html/);
    expect(browser.headers.get("cache-control")).toBe("no-store");
    const script = await get(waymark, "/admin/funnel");
    expect(script.status).toBe(401);
    expect(script.headers.get("content-type")).toBe("application/problem+json");
    expect(((await script.json()) as { type: string }).type).toBe(
      "urn:waymark:problem:unauthorized",
    );
    const wrong = await get(waymark, "/admin/funnel", {
      authorization: `Basic ${btoa(`ops:${token.slice(1)}`)}`,
    });
    expect(wrong.status).toBe(401);
    expect((await get(waymark, "/admin/funnel", { authorization: token })).status).toBe(401);
    const basic = await get(waymark, "/admin/funnel", {
      authorization: `Basic ${btoa(`ops:${token}`)}`,
    });
    expect(basic.status).toBe(200);
    const redirect = await get(waymark, "/admin", bearer);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get("location")).toBe("/admin/funnel");
  });

  it("renders the funnel of the flows a store holds, with strict headers", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    await seedFunnel(store);
    const until = seededWindow.until;
    const waymark = createWaymark({
      flows: [onboarding],
      store,
      adminToken: token,
      now: () => until,
      basePath: "/api",
    });
    const response = await get(waymark, "/api/admin/funnel?flow=onboarding&since=1d", bearer);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toMatch(
      /^default-src 'none'; style-src 'sha256-/,
    );
    const html = await response.text();
    expect(html.match(/<svg role="img"/g)).toHaveLength(onboarding.steps.length);
    expect(html).toContain("<caption>Version 1, step by step</caption>");
    expect(html).toContain('href="/api/admin/funnel?flow=onboarding&amp;since=30d"');
    await store.close();
  });

  it("says what is wrong in the page: an unknown flow (404), a bad window (400), no store to count", async () => {
    const waymark = createWaymark({
      flows: [onboarding],
      store: createMemoryStore(),
      adminToken: token,
    });
    const unknown = await get(waymark, "/admin/funnel?flow=nope", bearer);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("There is no flow named &quot;nope&quot;");
    const window = await get(waymark, "/admin/funnel?since=1y", bearer);
    expect(window.status).toBe(400);
    expect(await window.text()).toContain("is not a window");
    // Regression: a window too long was called "not a window"; it names the limit.
    for (const since of ["91d", "2161h", "9999d", "99999999999d"]) {
      const long = await get(waymark, `/admin/funnel?since=${since}`, bearer);
      expect(long.status).toBe(400);
      expect(await long.text()).toContain(
        `&quot;${since}&quot; is too long a window: give at most 90 days (90d or 2160h).`,
      );
    }
    for (const since of ["0d", "1w", "-1d"]) {
      const malformed = await get(waymark, `/admin/funnel?since=${since}`, bearer);
      expect(malformed.status).toBe(400);
      expect(await malformed.text()).toContain("is not a window");
    }
    expect((await get(waymark, "/admin/funnel?since=2160h", bearer)).status).toBe(200);

    const tokens = createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });
    const tokenMode = createWaymark({ flows: [onboarding], tokens, adminToken: token });
    const none = await get(tokenMode, "/admin/funnel", bearer);
    expect(none.status).toBe(200);
    expect(await none.text()).toContain("The funnel needs a store");

    const memory = createMemoryStore();
    const { scanRecords: _, ...unscannable } = memory as FlowStore & Record<string, unknown>;
    const bare = createWaymark({
      flows: [onboarding],
      store: unscannable as FlowStore,
      adminToken: token,
    });
    const cannot = await get(bare, "/admin/funnel", bearer);
    expect(cannot.status).toBe(200);
    expect(await cannot.text()).toContain("needs a store that can list its flows");
  });
});
