import { defineConfig } from "vitest/config";

// Two projects. "stores" holds the tests that talk to a real PostgreSQL or Redis, and its
// global setup starts those servers; "unit" holds everything else and starts none.
// The rule for a new file: `test/store-*.test.ts` and `test/process-stores*.test.ts` go to
// "stores", every other `test/**/*.test.ts` goes to "unit".
const stores = ["test/store-*.test.ts", "test/process-stores*.test.ts"];

export default defineConfig({
  // "waymark", "waymark/store/sqlite", … resolve to src/*.ts (see package.json's exports),
  // with Vite's default conditions for server code after it.
  ssr: { resolve: { conditions: ["waymark-source", "module", "node", "development|production"] } },
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: stores },
      },
      {
        extends: true,
        test: {
          name: "stores",
          include: stores,
          globalSetup: ["./test/support/global-setup.ts"],
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
