import { describe, expect, it } from "vitest";
import type { FlowStore } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { createSqliteStore } from "waymark/store/sqlite";
import { instrumentStore } from "../src/observe/store.ts";

/** Every method a FlowStore may have, required or optional. */
const methods = [
  "create",
  "load",
  "save",
  "delete",
  "purgeExpired",
  "scanRecords",
  "claimIdempotencyKey",
  "finishIdempotencyKey",
  "releaseIdempotencyKey",
  "rateLimitCounter",
  "claimWriteLock",
  "releaseWriteLock",
  "readEvents",
  "claimDeliveries",
  "settleDelivery",
  "listDeliveries",
  "retryDelivery",
  "watchFlow",
  "countRejection",
  "readRejections",
  "ping",
  "close",
] as const;

/** A store with only the required methods, as a user's own store may be. */
function bareStore(): FlowStore {
  const memory = createMemoryStore();
  return {
    capabilities: { expiresByItself: true },
    create: (record, effects) => memory.create(record, effects),
    load: (id) => memory.load(id),
    save: (record, expected, effects) => memory.save(record, expected, effects),
    delete: (id, expected, effects) => memory.delete(id, expected, effects),
    purgeExpired: (now) => memory.purgeExpired(now),
    claimIdempotencyKey: (key, claim) => memory.claimIdempotencyKey(key, claim),
    finishIdempotencyKey: (key, token, response) =>
      memory.finishIdempotencyKey(key, token, response),
    releaseIdempotencyKey: (key, token) => memory.releaseIdempotencyKey(key, token),
    ping: () => memory.ping(),
    close: () => memory.close(),
  };
}

describe("instrumentStore", () => {
  const stores: [string, () => FlowStore][] = [
    ["memory", () => createMemoryStore()],
    ["SQLite", () => createSqliteStore({ path: ":memory:" })],
    ["a store with only the required methods", bareStore],
  ];

  for (const [name, make] of stores) {
    it(`keeps exactly the methods and the capabilities of ${name}`, async () => {
      const store = make();
      const wrapped = instrumentStore(store);
      for (const method of methods) {
        expect([method, method in wrapped]).toEqual([method, typeof store[method] === "function"]);
        if (method in wrapped) expect(typeof wrapped[method]).toBe("function");
      }
      expect(wrapped.capabilities).toEqual(store.capabilities);
      await wrapped.close();
    });
  }

  it("times every call, counts the ones that throw, and passes results and errors through", async () => {
    const calls: [string, boolean][] = [];
    const store = createMemoryStore();
    const wrapped = instrumentStore(store, (operation, seconds, failed) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      calls.push([operation, failed]);
    });
    expect(await wrapped.load("missing")).toBeUndefined();
    const failing = instrumentStore(
      Object.assign(Object.create(null), store, {
        ping: async () => {
          throw new Error("down");
        },
      }),
      (operation, _seconds, failed) => calls.push([operation, failed]),
    );
    await expect(failing.ping()).rejects.toThrow("down");
    expect(calls).toEqual([
      ["load", false],
      ["ping", true],
    ]);
  });
});
