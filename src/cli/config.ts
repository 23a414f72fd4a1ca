import { z } from "zod";

const port = z
  .string()
  .regex(/^\d{1,5}$/, "expected a port number")
  .transform(Number)
  .refine((value) => value <= 65_535, "expected a port number up to 65535");
const bytes = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, "expected a positive number of bytes")
  .transform(Number);
const flag = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

/** Each setting: its flag, its environment variable, how to read it, its default. */
const settings = {
  port: { flag: "--port", env: "PORT", schema: port, fallback: 3000 },
  host: { flag: "--host", env: "HOST", schema: z.string(), fallback: "127.0.0.1" },
  store: {
    flag: "--store",
    env: "WAYMARK_STORE",
    schema: z.string(),
    fallback: "sqlite:./waymark.db",
  },
  maxBodyBytes: {
    flag: "--max-body-bytes",
    env: "WAYMARK_MAX_BODY_BYTES",
    schema: bytes,
    fallback: 65_536,
  },
  requireIfMatch: {
    flag: "--require-if-match",
    env: "WAYMARK_REQUIRE_IF_MATCH",
    schema: flag,
    fallback: false,
  },
  wizard: {
    flag: "--no-wizard",
    env: "WAYMARK_WIZARD",
    schema: flag,
    fallback: true,
  },
  logLevel: {
    flag: "--log-level",
    env: "LOG_LEVEL",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    fallback: "info",
  },
} as const;

type Settings = typeof settings;

/** Server settings after flags, environment and defaults are merged. */
export type ServeConfig = { readonly [K in keyof Settings]: z.output<Settings[K]["schema"]> };

/** Command-line values, as commander hands them over (booleans for bare flags). */
export type ConfigFlags = { [K in keyof Settings]?: string | boolean };

/**
 * Reads the named settings once: a flag beats its environment variable, which beats the
 * default. An empty variable counts as unset. Invalid values throw naming the flag or
 * variable. Settings not asked for are not read, so `waymark purge` ignores `PORT`.
 *
 * @example resolveConfig(["port", "store"], { port: "8080" }) // { port: 8080, store: "sqlite:./waymark.db" }
 */
export function resolveConfig<K extends keyof Settings>(
  keys: readonly K[],
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Pick<ServeConfig, K>> {
  const config: Partial<Record<keyof Settings, unknown>> = {};
  for (const key of keys) {
    const setting = settings[key];
    const fromFlag = flags[key];
    const fromEnv = env[setting.env] === "" ? undefined : env[setting.env];
    const raw = typeof fromFlag === "boolean" ? String(fromFlag) : (fromFlag ?? fromEnv);
    if (raw === undefined) {
      config[key] = setting.fallback;
      continue;
    }
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      const source = fromFlag === undefined ? setting.env : setting.flag;
      throw new Error(`invalid ${source} "${raw}": ${parsed.error.issues[0]?.message}`);
    }
    config[key] = parsed.data;
  }
  return Object.freeze(config) as Pick<ServeConfig, K>;
}
