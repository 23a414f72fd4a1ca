import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/cli/config.ts";

const all = [
  "port",
  "host",
  "store",
  "maxBodyBytes",
  "requireIfMatch",
  "wizard",
  "logLevel",
] as const;

describe("configuration", () => {
  it("uses the defaults when nothing is set", () => {
    expect(resolveConfig(all, {}, {})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      store: "sqlite:./waymark.db",
      maxBodyBytes: 65_536,
      requireIfMatch: false,
      wizard: true,
      logLevel: "info",
    });
  });

  it("lets a variable beat the default and a flag beat the variable", () => {
    const env = {
      PORT: "4000",
      HOST: "0.0.0.0",
      WAYMARK_STORE: "sqlite:/var/lib/waymark.db",
      WAYMARK_MAX_BODY_BYTES: "1024",
      WAYMARK_REQUIRE_IF_MATCH: "true",
      WAYMARK_WIZARD: "false",
      LOG_LEVEL: "warn",
    };
    expect(resolveConfig(all, {}, env)).toEqual({
      port: 4000,
      host: "0.0.0.0",
      store: "sqlite:/var/lib/waymark.db",
      maxBodyBytes: 1024,
      requireIfMatch: true,
      wizard: false,
      logLevel: "warn",
    });
    const flags = { port: "5000", host: "::1", store: "sqlite::memory:", requireIfMatch: true };
    expect(resolveConfig(all, flags, { ...env, WAYMARK_REQUIRE_IF_MATCH: "false" })).toMatchObject({
      port: 5000,
      host: "::1",
      store: "sqlite::memory:",
      requireIfMatch: true,
    });
  });

  it("takes --no-wizard (false from the command line) over WAYMARK_WIZARD", () => {
    expect(resolveConfig(["wizard"], { wizard: false }, { WAYMARK_WIZARD: "true" })).toEqual({
      wizard: false,
    });
    expect(resolveConfig(["wizard"], { wizard: true }, { WAYMARK_WIZARD: "0" })).toEqual({
      wizard: true,
    });
  });

  it("treats an empty variable as unset", () => {
    expect(resolveConfig(["port"], {}, { PORT: "" })).toEqual({ port: 3000 });
  });

  it.each([
    [{}, { PORT: "abc" }, /invalid PORT "abc"/],
    [{}, { PORT: "0x1F90" }, /invalid PORT/],
    [{}, { PORT: "70000" }, /invalid PORT/],
    [{ port: "" }, {}, /invalid --port ""/],
    [{}, { WAYMARK_MAX_BODY_BYTES: "-1" }, /invalid WAYMARK_MAX_BODY_BYTES/],
    [{}, { WAYMARK_REQUIRE_IF_MATCH: "yes" }, /invalid WAYMARK_REQUIRE_IF_MATCH/],
    [{}, { LOG_LEVEL: "loud" }, /invalid LOG_LEVEL/],
  ])("refuses %o with %o, naming the source", (flags, env, message) => {
    expect(() => resolveConfig(all, flags, env)).toThrow(message);
  });

  it("reads only the settings asked for", () => {
    expect(resolveConfig(["store"], {}, { PORT: "abc", WAYMARK_STORE: "sqlite:x.db" })).toEqual({
      store: "sqlite:x.db",
    });
  });
});
