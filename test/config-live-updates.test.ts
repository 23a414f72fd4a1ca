import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/cli/config.ts";

const live = ["liveMaxStreams", "liveHeartbeatMs", "liveIdleTimeoutMs"] as const;

describe("live update settings", () => {
  it("default to 1000 streams, a heartbeat every 15 s and an idle timeout of 5 minutes", () => {
    expect(resolveConfig(live, {}, {})).toEqual({
      liveMaxStreams: 1_000,
      liveHeartbeatMs: 15_000,
      liveIdleTimeoutMs: 300_000,
    });
  });

  it("are read from their variables, and a flag beats its variable", () => {
    const env = {
      WAYMARK_LIVE_MAX_STREAMS: "50",
      WAYMARK_LIVE_HEARTBEAT_MS: "5000",
      WAYMARK_LIVE_IDLE_TIMEOUT_MS: "60000",
    };
    expect(resolveConfig(live, { liveMaxStreams: "20" }, env)).toEqual({
      liveMaxStreams: 20,
      liveHeartbeatMs: 5_000,
      liveIdleTimeoutMs: 60_000,
    });
  });

  it.each([
    [
      "WAYMARK_LIVE_MAX_STREAMS",
      "0",
      /invalid WAYMARK_LIVE_MAX_STREAMS "0": expected a positive count/,
    ],
    ["WAYMARK_LIVE_MAX_STREAMS", "100000", /expected a positive count up to 99999/],
    ["WAYMARK_LIVE_HEARTBEAT_MS", "-1", /invalid WAYMARK_LIVE_HEARTBEAT_MS/],
    ["WAYMARK_LIVE_IDLE_TIMEOUT_MS", "90000000", /at most 86400000 ms/],
  ])("refuses %s=%s", (name, value, message) => {
    expect(() => resolveConfig(live, {}, { [name]: value })).toThrow(message);
  });

  it("names the flag when the flag is wrong", () => {
    expect(() => resolveConfig(live, { liveHeartbeatMs: "soon" }, {})).toThrow(
      /invalid --live-heartbeat-ms "soon"/,
    );
  });
});
