import { describe, expect, it } from "vitest";
import { bounded } from "../src/cli/bounded.ts";

// A step of shutdown waits for its work, but never past its bound.
describe("bounded", () => {
  it("resolves true for work that settles in time, a rejection included", async () => {
    expect(await bounded(Promise.resolve(), 100)).toBe(true);
    expect(await bounded(Promise.reject(new Error("no")), 100)).toBe(true);
    expect(await bounded(undefined, 100)).toBe(true);
  });

  it("resolves false once the time runs out on work that never settles", async () => {
    const started = Date.now();
    expect(await bounded(new Promise(() => {}), 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
