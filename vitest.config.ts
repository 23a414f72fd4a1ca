import { defineConfig } from "vitest/config";

// Three projects. "stores" holds the tests that talk to a real PostgreSQL or Redis, and its
// global setup starts those servers; "unit" holds everything else and starts none.
// "scale" holds the fault tests: each starts its own store, three `waymark serve`
// processes and nginx, and kills some of them under load, so they run one file at a time
// after the other two projects, on a machine no other test is loading.
// The rule for a new file: `test/store-*.test.ts` and `test/process-stores*.test.ts` go to
// "stores", `test/scale-*.test.ts` to "scale", every other `test/**/*.test.ts` to "unit".
const stores = ["test/store-*.test.ts", "test/process-stores*.test.ts"];
const scale = ["test/scale-*.test.ts"];

export default defineConfig({
  // "waymark", "waymark/store/sqlite", … resolve to src/*.ts (see package.json's exports),
  // with Node's conditions after it. Not "module": OpenTelemetry's builds under it import
  // files without extensions, which Node's loader refuses.
  ssr: { resolve: { conditions: ["waymark-source", "node", "development|production"] } },
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...stores, ...scale] },
      },
      {
        extends: true,
        test: {
          name: "stores",
          include: stores,
          globalSetup: ["./test/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "scale",
          include: scale,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
