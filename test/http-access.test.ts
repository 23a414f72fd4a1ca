import { beforeEach, describe, expect, it } from "vitest";
import type { FlowStore } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { asked, ledger, vault } from "./fixtures/access-flows.ts";
import { createHttpClient, type FlowView } from "./support/http-client.ts";

const flows = [vault, ledger];
const unknownId = "00000000-0000-4000-8000-000000000000";

/** Status, media type and body: a refused caller must learn nothing an unknown id would not tell. */
async function answerOf(response: Response) {
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: await response.json(),
  };
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe("access: secret", () => {
  it("answers a flowSecret once, and refuses every later request without it like an unknown id", async () => {
    const client = createHttpClient({ flows, store: createMemoryStore() });
    const started = await client.send("POST", "/vault");
    expect(started.status).toBe(201);
    const flow = (await started.json()) as FlowView;
    const secret = flow.flowSecret ?? "";
    // 256 random bits, base64url.
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const path = `/vault/${flow.flowId}`;

    const unknown = await answerOf(await client.send("GET", `/vault/${unknownId}`));
    expect(unknown.status).toBe(404);
    const wrong = bearer("A".repeat(43));
    for (const [method, at, json] of [
      ["GET", path, undefined],
      ["GET", `${path}/step/1`, undefined],
      ["PUT", `${path}/step/1`, { nickname: "ada" }],
      ["DELETE", path, undefined],
    ] as const) {
      for (const headers of [{}, wrong, { authorization: secret }, bearer(`${secret}x`)]) {
        const refused = await client.send(method, at, { headers, json });
        const twin = await client.send(method, at.replace(flow.flowId, unknownId), {
          headers,
          json,
        });
        expect(await answerOf(refused), `${method} ${at} ${JSON.stringify(headers)}`).toEqual(
          await answerOf(twin),
        );
      }
    }
    // Nothing was written or erased by the refused requests.
    const read = await client.send("GET", path, { headers: bearer(secret) });
    expect(read.status).toBe(200);
    const current = (await read.json()) as FlowView;
    expect(current.version).toBe(1);
    // The secret is not part of any later representation.
    expect(current.flowSecret).toBeUndefined();

    const put = await client.send("PUT", `${path}/step/nickname`, {
      headers: bearer(secret),
      json: { nickname: "ada" },
    });
    expect(put.status).toBe(200);
    expect(await client.send("DELETE", path, { headers: bearer(secret) })).toHaveProperty(
      "status",
      204,
    );
  });

  it("refuses before saying a flow expired: a stranger cannot learn it existed", async () => {
    const client = createHttpClient({ flows, store: createMemoryStore() });
    const flow = (await (await client.send("POST", "/vault")).json()) as FlowView;
    client.advance(2 * 3_600_000);
    const path = `/vault/${flow.flowId}`;
    expect(
      (await client.send("GET", path, { headers: bearer(flow.flowSecret ?? "") })).status,
    ).toBe(410);
    expect(await answerOf(await client.send("GET", path))).toEqual(
      await answerOf(await client.send("GET", `/vault/${unknownId}`)),
    );
  });

  it("keeps only the secret's hash in the store", async () => {
    const store = createMemoryStore();
    const client = createHttpClient({ flows, store });
    const flow = (await (await client.send("POST", "/vault")).json()) as FlowView;
    const record = await store.load(flow.flowId);
    expect(record?.access?.secretHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(record)).not.toContain(flow.flowSecret);
  });

  it("answers a retried keyed start with the same flow and a new secret; the old one stops working", async () => {
    const kept: string[] = [];
    const store = recordingStore(createMemoryStore(), kept);
    const client = createHttpClient({ flows, store });
    const key = { "idempotency-key": "start-vault-1" };
    const first = (await (
      await client.send("POST", "/vault", { headers: key })
    ).json()) as FlowView;
    const retry = await client.send("POST", "/vault", { headers: key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const second = (await retry.json()) as FlowView;
    expect(second.flowId).toBe(first.flowId);
    expect(second.flowSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.flowSecret).not.toBe(first.flowSecret);
    const path = `/vault/${first.flowId}`;
    expect(
      (await client.send("GET", path, { headers: bearer(first.flowSecret ?? "") })).status,
    ).toBe(404);
    expect(
      (await client.send("GET", path, { headers: bearer(second.flowSecret ?? "") })).status,
    ).toBe(200);
    // The kept response, replayed from the store, never held a secret.
    expect(kept).toHaveLength(1);
    expect(kept.join()).not.toContain(first.flowSecret);
    expect(JSON.parse(kept[0] ?? "{}")).not.toHaveProperty("flowSecret");
  });

  it("holds in token mode: the token alone is refused like one that does not open", async () => {
    const keyring = parseKeyring(generateKeyEntry("k1"));
    const client = createHttpClient({ flows, tokens: createTokenMode({ keyring }) });
    const flow = (await (await client.send("POST", "/vault")).json()) as FlowView;
    const path = `/vault/${flow.flowId}`;
    const forged = await answerOf(await client.send("GET", "/vault/not-a-token"));
    expect(forged.status).toBe(404);
    expect(await answerOf(await client.send("GET", path))).toEqual(forged);
    const headers = bearer(flow.flowSecret ?? "");
    const put = await client.send("PUT", `${path}/step/1`, { headers, json: { nickname: "ada" } });
    expect(put.status).toBe(200);
    const moved = (await put.json()) as FlowView;
    expect(moved.flowId).not.toBe(flow.flowId);
    // The new token still needs the same secret.
    expect(await answerOf(await client.send("GET", `/vault/${moved.flowId}`))).toEqual(forged);
    expect((await client.send("GET", `/vault/${moved.flowId}`, { headers })).status).toBe(200);
  });
});

describe("access: authorize", () => {
  beforeEach(() => {
    asked.length = 0;
  });

  it("binds the flow to the subject that started it; anyone else is answered like an unknown id", async () => {
    const client = createHttpClient({ flows, store: createMemoryStore() });
    const ada = { "x-user": "ada" };
    const started = await client.send("POST", "/ledger", { headers: ada });
    expect(started.status).toBe(201);
    const flow = (await started.json()) as FlowView;
    const path = `/ledger/${flow.flowId}`;
    expect((await client.send("GET", path, { headers: ada })).status).toBe(200);

    for (const headers of [{}, { "x-user": "grace" }]) {
      for (const [method, at, json] of [
        ["GET", path, undefined],
        ["GET", `${path}/step/nickname`, undefined],
        ["PUT", `${path}/step/nickname`, { nickname: "g" }],
        ["DELETE", path, undefined],
      ] as const) {
        const refused = await client.send(method, at, { headers, json });
        const twin = await client.send(method, at.replace(flow.flowId, unknownId), {
          headers,
          json,
        });
        expect(await answerOf(refused), `${method} ${at}`).toEqual(await answerOf(twin));
      }
    }
    const after = await client.send("GET", path, { headers: ada });
    expect(((await after.json()) as FlowView).version).toBe(1);
    // The hook was told each operation, and the subject the flow is bound to.
    expect(new Set(asked.map((call) => call.operation))).toEqual(
      new Set(["start", "read", "read-step", "submit", "erase"]),
    );
    expect(
      asked.filter((call) => call.operation !== "start").every((c) => c.subject === "ada"),
    ).toBe(true);
  });

  it("refuses a start the hook refuses like an unknown flow name, and creates nothing", async () => {
    const created: string[] = [];
    const base = createMemoryStore();
    const store: FlowStore = {
      ...base,
      create: (record) => {
        created.push(record.id);
        return base.create(record);
      },
    };
    const client = createHttpClient({ flows, store });
    const refused = await answerOf(await client.send("POST", "/ledger"));
    expect(refused.status).toBe(404);
    // The same request to a server where no "ledger" flow exists.
    const without = createHttpClient({ flows: [vault], store: createMemoryStore() });
    expect(refused).toEqual(await answerOf(await without.send("POST", "/ledger")));
    expect(created).toEqual([]);
  });

  it("replays a keyed start only to the subject it was bound to", async () => {
    const client = createHttpClient({ flows, store: createMemoryStore() });
    const key = { "idempotency-key": "ledger-key-1" };
    const first = await client.send("POST", "/ledger", { headers: { ...key, "x-user": "ada" } });
    const flow = (await first.json()) as FlowView;
    const again = await client.send("POST", "/ledger", { headers: { ...key, "x-user": "ada" } });
    expect(again.status).toBe(201);
    expect(((await again.json()) as FlowView).flowId).toBe(flow.flowId);
    const stranger = await client.send("POST", "/ledger", {
      headers: { ...key, "x-user": "grace" },
    });
    const without = createHttpClient({ flows: [vault], store: createMemoryStore() });
    expect(await answerOf(stranger)).toEqual(await answerOf(await without.send("POST", "/ledger")));
  });

  it("answers a hook that throws, or answers nonsense, with 500 definition-error and writes nothing", async () => {
    const client = createHttpClient({ flows, store: createMemoryStore() });
    for (const user of ["throws", "odd"]) {
      const response = await client.send("POST", "/ledger", { headers: { "x-user": user } });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        type: "urn:waymark:problem:definition-error",
        hook: "authorize",
        flow: "ledger",
      });
    }
    const flow = (await (
      await client.send("POST", "/ledger", { headers: { "x-user": "ada" } })
    ).json()) as FlowView;
    const put = await client.send("PUT", `/ledger/${flow.flowId}/step/1`, {
      headers: { "x-user": "throws" },
      json: { nickname: "x" },
    });
    expect(put.status).toBe(500);
    const read = await client.send("GET", `/ledger/${flow.flowId}`, {
      headers: { "x-user": "ada" },
    });
    expect(((await read.json()) as FlowView).version).toBe(1);
  });
});

describe("access: authorize, in token mode", () => {
  it("seals the subject in the token: another user's request is answered like a token that does not open", async () => {
    const keyring = parseKeyring(generateKeyEntry("k1"));
    const client = createHttpClient({ flows, tokens: createTokenMode({ keyring }) });
    const ada = { "x-user": "ada" };
    const flow = (await (
      await client.send("POST", "/ledger", { headers: ada })
    ).json()) as FlowView;
    const path = `/ledger/${flow.flowId}`;
    expect((await client.send("GET", path, { headers: ada })).status).toBe(200);
    const forged = await answerOf(
      await client.send("GET", "/ledger/not-a-token", { headers: ada }),
    );
    expect(forged.status).toBe(404);
    expect(
      await answerOf(await client.send("GET", path, { headers: { "x-user": "grace" } })),
    ).toEqual(forged);
    const put = await client.send("PUT", `${path}/step/1`, {
      headers: { "x-user": "grace" },
      json: { nickname: "g" },
    });
    expect(await answerOf(put)).toEqual(forged);
  });
});

describe("access in the description", () => {
  it("GET /{flow} says which mode a flow uses", async () => {
    const client = createHttpClient({
      flows: [...flows, (await import("../examples/onboarding/flow.ts")).onboarding],
    });
    for (const [name, access] of [
      ["vault", "secret"],
      ["ledger", "authorize"],
      ["onboarding", "capability"],
    ]) {
      const described = await (await client.send("GET", `/${name}`)).json();
      expect(described.access, name).toBe(access);
    }
  });
});

/** A store that records each idempotent response it is asked to keep (a fake over a real one). */
function recordingStore(store: FlowStore, kept: string[]): FlowStore {
  return {
    ...store,
    capabilities: store.capabilities,
    finishIdempotencyKey(key, token, response) {
      kept.push(response.body);
      return store.finishIdempotencyKey(key, token, response);
    },
  };
}
