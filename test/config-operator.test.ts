import { describe, expect, it } from "vitest";
import { createWaymark } from "waymark";
import { createMemoryStore } from "waymark/store/memory";
import { onboarding } from "../examples/onboarding/flow.ts";
import { resolveConfig } from "../src/cli/config.ts";
import { startTracing } from "../src/cli/tracing.ts";

const token = "s3cr3t-operator-token-0123456789abcdef";

describe("metrics and operator settings", () => {
  it("serves metrics and no operator pages by default", () => {
    expect(resolveConfig(["metrics", "adminToken"], {}, {})).toEqual({
      metrics: true,
      adminToken: undefined,
    });
  });

  it("turns metrics off with --no-metrics or WAYMARK_METRICS, the flag first", () => {
    expect(resolveConfig(["metrics"], { metrics: false }, {})).toEqual({ metrics: false });
    expect(resolveConfig(["metrics"], {}, { WAYMARK_METRICS: "0" })).toEqual({ metrics: false });
    expect(resolveConfig(["metrics"], { metrics: true }, { WAYMARK_METRICS: "false" })).toEqual({
      metrics: true,
    });
    expect(() => resolveConfig(["metrics"], {}, { WAYMARK_METRICS: "no" })).toThrow(
      'invalid WAYMARK_METRICS "no"',
    );
  });

  it("takes the operator token from WAYMARK_ADMIN_TOKEN or --admin-token", () => {
    expect(resolveConfig(["adminToken"], {}, { WAYMARK_ADMIN_TOKEN: token })).toEqual({
      adminToken: token,
    });
    expect(
      resolveConfig(["adminToken"], { adminToken: `${token}!` }, { WAYMARK_ADMIN_TOKEN: token }),
    ).toEqual({ adminToken: `${token}!` });
    // An empty variable counts as unset, as for every setting.
    expect(resolveConfig(["adminToken"], {}, { WAYMARK_ADMIN_TOKEN: "" })).toEqual({
      adminToken: undefined,
    });
  });

  it("refuses a short or unprintable token without repeating it", () => {
    const short = "too-short-a-token";
    const run = () => resolveConfig(["adminToken"], {}, { WAYMARK_ADMIN_TOKEN: short });
    expect(run).toThrow(
      "invalid WAYMARK_ADMIN_TOKEN: must be at least 32 characters (it has 17); generate one with: openssl rand -base64 32",
    );
    expect(() => run()).not.toThrow(short);
    const spaced = `${token} with spaces`;
    expect(() => resolveConfig(["adminToken"], { adminToken: spaced }, {})).toThrow(
      "invalid --admin-token: must be printable ASCII with no spaces",
    );
    expect(() =>
      createWaymark({ flows: [onboarding], store: createMemoryStore(), adminToken: short }),
    ).toThrow(/at least 32 characters/);
  });

  it("loads no tracing SDK without an OTLP endpoint, and refuses a malformed one", async () => {
    expect(await startTracing({})).toBeUndefined();
    expect(await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBeUndefined();
    expect(
      await startTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
        OTEL_SDK_DISABLED: "true",
      }),
    ).toBeUndefined();
    await expect(startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" })).rejects.toThrow(
      "not an http: or https: URL",
    );
  });
});
