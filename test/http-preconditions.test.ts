import { createMemoryStore } from "waymark/store/memory";
import { createSqliteStore } from "waymark/store/sqlite";
import { createTokenMode, generateKeyEntry, parseKeyring } from "waymark/token";
import { describePreconditions } from "./support/preconditions.ts";

describePreconditions("SQLite", async () => {
  const store = createSqliteStore({ path: ":memory:" });
  return { keeping: { store }, close: () => store.close() };
});

describePreconditions("memory store", async () => {
  const store = createMemoryStore();
  return { keeping: { store }, close: () => store.close() };
});

describePreconditions("token mode", async () => ({
  keeping: { tokens: createTokenMode({ keyring: parseKeyring(generateKeyEntry("k")) }) },
  close: async () => {},
}));
