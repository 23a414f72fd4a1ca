import { describe, expect, it } from "vitest";
import { describeStoreConformance, sampleRecord } from "waymark/testing";
import { createMemoryStore } from "../src/store/memory.ts";

describeStoreConformance("Memory", {
  async open() {
    const store = createMemoryStore();
    return {
      store,
      reopen: async () => createMemoryStore({ shareWith: store }),
      cleanup: () => store.close(),
    };
  },
});

describe("Memory store", () => {
  const claim = (fingerprint: string) => ({
    fingerprint,
    token: crypto.randomUUID(),
    flowId: crypto.randomUUID(),
    now: Date.now(),
    leaseUntil: Date.now() + 60_000,
    keepUntil: Date.now() + 60_000,
  });

  it("keeps its own copy of a record: changing the object given afterwards changes nothing", async () => {
    const store = createMemoryStore();
    const record = sampleRecord({ data: { "personal-info": { firstName: "Ada" } } });
    await store.create(record);
    (record.data["personal-info"] as { firstName: string }).firstName = "Eve";
    record.version = 7;
    const next = { ...record, version: 2, data: { review: { acceptTerms: true } } };
    expect(await store.save(next, 1)).toBe(true);
    (next.data.review as { acceptTerms: boolean }).acceptTerms = false;
    expect((await store.load(record.id))?.data).toEqual({ review: { acceptTerms: true } });
  });

  it("hands out copies: changing a loaded record changes nothing stored", async () => {
    const store = createMemoryStore();
    const record = sampleRecord({ data: { "personal-info": { firstName: "Ada" } } });
    await store.create(record);
    const loaded = await store.load(record.id);
    if (!loaded) throw new Error("the record was not stored");
    (loaded.data["personal-info"] as { firstName: string }).firstName = "Eve";
    loaded.version = 7;
    expect(await store.load(record.id)).toEqual(record);
  });

  it("hands out copies of replayed responses", async () => {
    const store = createMemoryStore();
    const first = claim("fp");
    await store.claimIdempotencyKey("k", first);
    const response = { status: 201, headers: { location: "/onboarding/x" }, body: "{}" };
    await store.finishIdempotencyKey("k", first.token, response);
    response.status = 500;
    const replay = await store.claimIdempotencyKey("k", claim("fp"));
    if (replay.claimed || !replay.entry.response) throw new Error("expected a replay");
    (replay.entry.response as { status: number }).status = 502;
    expect(await store.claimIdempotencyKey("k", claim("fp"))).toMatchObject({
      entry: { response: { status: 201 } },
    });
  });

  it("keeps separate data in separate stores unless told to share", async () => {
    const first = createMemoryStore();
    const second = createMemoryStore();
    const record = sampleRecord();
    await first.create(record);
    expect(await second.load(record.id)).toBeUndefined();
    expect(await createMemoryStore({ shareWith: first }).load(record.id)).toEqual(record);
  });

  it("answers store-unavailable once closed, to every call", async () => {
    const store = createMemoryStore();
    await store.close();
    const calls = [
      store.create(sampleRecord()),
      store.load("x"),
      store.save(sampleRecord(), 1),
      store.delete("x"),
      store.purgeExpired(new Date()),
      store.scanRecords?.(undefined, 10),
      store.claimIdempotencyKey("k", claim("fp")),
      store.finishIdempotencyKey("k", "t", { status: 200, headers: {}, body: "" }),
      store.releaseIdempotencyKey("k", "t"),
      store.ping(),
    ];
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({ name: "WaymarkError", code: "store-unavailable" });
    }
    await expect(store.close()).resolves.toBeUndefined();
  });

  it("refuses to share data with anything but a memory store it made", () => {
    const copy = { ...createMemoryStore() };
    expect(() => createMemoryStore({ shareWith: copy })).toThrow(/createMemoryStore/);
  });
});
