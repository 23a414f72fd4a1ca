import { describe, expect, it } from "vitest";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import {
  etagMatches,
  evaluatePreconditions,
  representationTag,
} from "../src/service/preconditions.ts";
import {
  createHttpClient,
  employeeContract,
  expectProblem,
  type FlowView,
  personalInfo,
} from "./support/http-client.ts";

const tokens = () => createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) });

describe("one entity tag per language of a flow's state", () => {
  it("keeps English tags as they were and appends the language otherwise", () => {
    expect(representationTag('"v3"', "en")).toBe('"v3"');
    expect(representationTag('"v3"', undefined)).toBe('"v3"');
    expect(representationTag('"v3"', "de")).toBe('"v3-de"');
    expect(representationTag('"tAb-_c"', "pt-BR")).toBe('"tAb-_c-pt-BR"');
  });

  it("lets If-Match take any language of the state, and nothing else", () => {
    const any = { weak: false, anyLanguage: true };
    expect(etagMatches('"v3-ar"', '"v3"', any)).toBe(true);
    expect(etagMatches('"v2-de", "v3-de"', '"v3"', any)).toBe(true);
    expect(etagMatches('"v33-de"', '"v3"', any)).toBe(false);
    expect(etagMatches('"v3-"', '"v3"', any)).toBe(false);
    expect(etagMatches('W/"v3-de"', '"v3"', any)).toBe(false);
    expect(etagMatches('"v3-de"', '"v3"', { weak: false })).toBe(false);
    expect(() => evaluatePreconditions({ ifMatch: '"v2-de"' }, '"v3"', { safe: false })).toThrow();
  });

  it("compares If-None-Match with the tag of the language answered", () => {
    const read = { safe: true };
    const inGerman = { ifNoneMatch: '"v3-de"', language: "de" };
    expect(evaluatePreconditions(inGerman, '"v3"', read)).toBe("not-modified");
    expect(evaluatePreconditions({ ...inGerman, language: "en" }, '"v3"', read)).toBe("proceed");
    expect(evaluatePreconditions({ ifNoneMatch: '"v3"', language: "de" }, '"v3"', read)).toBe(
      "proceed",
    );
  });
});

describe.each([
  ["a store", () => createHttpClient()],
  ["token mode", () => createHttpClient({ tokens: tokens() })],
])("ETags across languages with %s", (_, makeClient) => {
  it("answers a tag per language, 304 only for the language's own tag", async () => {
    const client = makeClient();
    const { path, etag } = await client.start();
    const german = await client.send("GET", path, { headers: { "accept-language": "de" } });
    const germanTag = german.headers.get("etag") ?? "";
    expect(germanTag).toBe(representationTag(etag, "de"));
    expect(germanTag).not.toBe(etag);
    const arabic = await client.send("GET", path, { headers: { "accept-language": "ar" } });
    expect(arabic.headers.get("etag")).toBe(representationTag(etag, "ar"));

    const same = await client.send("GET", path, {
      headers: { "accept-language": "de-AT", "if-none-match": germanTag },
    });
    expect(same.status).toBe(304);
    expect(same.headers.get("etag")).toBe(germanTag);
    expect(same.headers.get("vary")).toBe("Accept-Language");
    // The client holds the English representation: the German one is another.
    const other = await client.send("GET", path, {
      headers: { "accept-language": "de", "if-none-match": etag },
    });
    expect(other.status).toBe(200);
    const english = await client.send("GET", path, { headers: { "if-none-match": germanTag } });
    expect(english.status).toBe(200);
    expect(english.headers.get("etag")).toBe(etag);

    const step = await client.send("GET", `${path}/step/1`, {
      headers: { "accept-language": "ar", "if-none-match": representationTag(etag, "ar") },
    });
    expect(step.status).toBe(304);
  });

  it("takes any language's tag of the current state in If-Match, and 412s a stale one", async () => {
    const client = makeClient();
    const { path } = await client.start();
    const german = await client.send("GET", path, { headers: { "accept-language": "de" } });
    const germanTag = german.headers.get("etag") ?? "";
    // Read in German, written in English: the same state.
    const saved = await client.put(path, 1, personalInfo, { "if-match": germanTag });
    expect(saved.status, await saved.clone().text()).toBe(200);
    const next = saved.headers.get("location") ?? path;
    const savedTag = saved.headers.get("etag") ?? "";
    expect(savedTag).not.toMatch(/-de"$/);

    const stale = await client.put(next, 2, employeeContract, {
      "accept-language": "de",
      "if-match": germanTag,
    });
    const problem = await expectProblem(stale, 412, "precondition-failed");
    expect(problem.title).toBe("Der Ablauf hat sich geändert, seit Sie ihn gelesen haben");

    const current = await client.put(next, 2, employeeContract, {
      "accept-language": "ar",
      "if-match": representationTag(savedTag, "ar"),
    });
    expect(current.status, await current.clone().text()).toBe(200);
    expect(current.headers.get("content-language")).toBe("ar");
    const flow = (await current.json()) as FlowView;
    expect(current.headers.get("etag")).toMatch(/-ar"$/);
    expect(flow.currentStep?.title).toBe("المراجعة والموافقة");
  });

  it("refuses a write whose If-None-Match names the state in the language answered", async () => {
    const client = makeClient();
    const { path, etag } = await client.start();
    const refused = await client.put(path, 1, personalInfo, {
      "accept-language": "de",
      "if-none-match": representationTag(etag, "de"),
    });
    await expectProblem(refused, 412, "precondition-failed");
  });
});
