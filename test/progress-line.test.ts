import { describe, expect, it } from "vitest";
import { progressLine } from "../src/cli/progress-line.ts";

/** A stand-in for process.stderr that keeps what is written to it. */
function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    write: (chunk: string) => written.push(chunk) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe("progressLine", () => {
  it("redraws one line in place on a terminal, at most every 100 ms, and clears it", () => {
    const { stream, written } = fakeStream(true);
    const progress = progressLine(stream, "waymark migrate", "flows scanned");
    progress.update(500);
    progress.update(1000);
    progress.done();
    expect(written).toHaveLength(2);
    expect(written[0]?.startsWith("\rwaymark migrate: 500 flows scanned (")).toBe(true);
    expect(written[0]?.endsWith("/s)\x1b[K")).toBe(true);
    expect(written[1]).toBe("\r\x1b[K");
  });

  it("writes nothing when the stream is not a terminal", () => {
    const { stream, written } = fakeStream(false);
    const progress = progressLine(stream, "waymark migrate", "flows scanned");
    progress.update(500);
    progress.done();
    expect(written).toEqual([]);
  });
});
