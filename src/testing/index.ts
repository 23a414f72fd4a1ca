/**
 * Tools for people who write a store: the conformance suite every Waymark backend passes,
 * to run against your own, and the sample records it uses. Needs `vitest` (an optional
 * peer dependency), since the suite registers vitest tests.
 *
 * @example
 * import { describeStoreConformance } from "waymark/testing";
 *
 * describeStoreConformance("My store", {
 *   async open() {
 *     // A key prefix of its own makes each test's store empty.
 *     const options = { url: process.env.MY_STORE_URL, prefix: `test:${crypto.randomUUID()}:` };
 *     const store = await createMyStore(options);
 *     return { store, reopen: () => createMyStore(options), cleanup: () => store.close() };
 *   },
 * });
 *
 * @module
 */
export { describeStoreConformance, type StoreFactory } from "./conformance.ts";
export { hour, sampleRecord } from "./records.ts";
