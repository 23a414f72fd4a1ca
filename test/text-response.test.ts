import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { onboarding } from "../examples/onboarding/flow.ts";
import { toNodeListener } from "../src/adapters/node.ts";
import { createWaymark } from "../src/http/app.ts";
import { TextResponse, textResponse, writeTextResponse } from "../src/http/text-response.ts";
import { createMemoryStore } from "../src/store/memory.ts";

const json = '{"name":"Ada","city":"Zürich"}';
const make = () =>
  new TextResponse(json, { status: 201, headers: { "content-type": "application/json" } });

describe("TextResponse, a Response kept as its text", () => {
  it("is a Response with its status and headers", () => {
    const response = make();
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get("content-type")).toBe("application/json");
    response.headers.set("etag", '"v1"');
    expect(response.headers.get("etag")).toBe('"v1"');
  });

  it.each([
    ["text", async (r: Response) => r.text(), json],
    ["json", async (r: Response) => r.json(), JSON.parse(json)],
    ["arrayBuffer", async (r: Response) => new TextDecoder().decode(await r.arrayBuffer()), json],
    ["bytes", async (r: Response) => new TextDecoder().decode(await r.bytes()), json],
    ["blob", async (r: Response) => (await r.blob()).text(), json],
    ["body", async (r: Response) => new Response(r.body).text(), json],
  ])("reads its body once through %s, as the standard says", async (_, read, expected) => {
    const response = make();
    expect(response.bodyUsed).toBe(false);
    expect(await read(response)).toEqual(expected);
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(() => response.clone()).toThrow(TypeError);
  });

  it("gives blob() the response's Content-Type", async () => {
    expect((await make().blob()).type).toBe("application/json");
  });

  it("keeps headers given as a record until they are asked for, then as any Headers", () => {
    const response = make();
    expect(response.headerRecord).toEqual({ "content-type": "application/json" });
    response.headers.delete("content-type");
    response.headers.set("ETag", '"v2"');
    expect(response.headerRecord).toEqual({ etag: '"v2"' });
  });

  it("refuses to clone while its body is being read", () => {
    const response = make();
    response.body.getReader();
    expect(() => response.clone()).toThrow(TypeError);
  });

  it("clones into an independent response with the same status, headers and body", async () => {
    const response = make();
    const copy = response.clone();
    copy.headers.set("x-copy", "1");
    expect(await copy.text()).toBe(json);
    expect(copy.status).toBe(201);
    expect(response.headers.has("x-copy")).toBe(false);
    expect(await response.text()).toBe(json);
  });
});

describe("writeTextResponse", () => {
  async function served(response: () => Response) {
    const server = createServer((_req, res) => {
      if (!writeTextResponse(response(), res)) res.end("fallback");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      return { answer, text: await answer.text() };
    } finally {
      server.close();
    }
  }

  it("writes status, headers and the body with its length in bytes", async () => {
    const { answer, text } = await served(() => {
      const response = make();
      response.headers.append("set-cookie", "a=1");
      response.headers.append("set-cookie", "b=2");
      return response;
    });
    expect(answer.status).toBe(201);
    expect(text).toBe(json);
    expect(answer.headers.get("content-length")).toBe(String(Buffer.byteLength(json)));
    expect(answer.headers.get("transfer-encoding")).toBeNull();
    expect(answer.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  it("leaves a response already read, or any other response, to the caller", async () => {
    expect((await served(() => new Response("plain"))).text).toBe("fallback");
    const read = make();
    await read.text();
    expect((await served(() => read)).text).toBe("fallback");
  });
});

describe("who gets a TextResponse", () => {
  it("a caller of fetch gets a standard Response, which any runtime can read", async () => {
    const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    const created = await waymark.fetch(new Request("http://x/onboarding", { method: "POST" }));
    expect(created.status).toBe(201);
    expect(created).not.toBeInstanceOf(TextResponse);
    expect(await Response.prototype.text.call(created)).toContain('"flowId"');
    const missing = await waymark.fetch(new Request("http://x/nowhere"));
    expect(missing).not.toBeInstanceOf(TextResponse);
    expect(textResponse(undefined, "{}", { status: 200, headers: {} })).not.toBeInstanceOf(
      TextResponse,
    );
  });

  it("a request through toNodeListener is answered whole, with its length", async () => {
    const waymark = createWaymark({ flows: [onboarding], store: createMemoryStore() });
    const server = createServer(toNodeListener(waymark));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const created = await fetch(`http://127.0.0.1:${port}/onboarding`, { method: "POST" });
      const text = await created.text();
      expect(created.status).toBe(201);
      expect(created.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
      expect(JSON.parse(text).flowId).toEqual(expect.any(String));
      const missing = await fetch(`http://127.0.0.1:${port}/nowhere`);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      expect(missing.headers.get("content-length")).toBe(
        String(Buffer.byteLength(await missing.text())),
      );
    } finally {
      server.close();
    }
  });
});
