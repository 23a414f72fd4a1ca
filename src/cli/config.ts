import { z } from "zod";
import { originProblem } from "../http/cors.ts";

const port = z
  .string()
  .regex(/^\d{1,5}$/, "expected a port number")
  .transform(Number)
  .refine((value) => value <= 65_535, "expected a port number up to 65535");
const bytes = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, "expected a positive number of bytes")
  .transform(Number);
const milliseconds = z
  .string()
  .regex(/^[1-9]\d{0,7}$/, "expected a positive number of milliseconds")
  .transform(Number)
  .refine((value) => value <= 86_400_000, "expected at most 86400000 ms (24 hours)");
const count = z
  .string()
  .regex(/^[1-9]\d{0,4}$/, "expected a positive count up to 99999")
  .transform(Number);
const flag = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");
/** `600/1m`: requests per window, the window in s, m or h (a count of 1 may be left out). */
const perWindow = /^([1-9]\d{0,8})\/([1-9]\d{0,4})?(s|m|h)$/;
const windowUnitMs = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const rateLimit = z.string().transform((value, ctx) => {
  if (value === "off") return false as const;
  const match = perWindow.exec(value);
  const windowMs = match
    ? Number(match[2] ?? 1) * windowUnitMs[match[3] as keyof typeof windowUnitMs]
    : Number.NaN;
  if (!match || !(windowMs <= 86_400_000)) {
    ctx.addIssue({
      code: "custom",
      message:
        'expected requests per window, such as "600/1m" or "50/10s" (a window of 24h at most), or "off"',
    });
    return z.NEVER;
  }
  return { limit: Number(match[1]), windowMs };
});
const origins = z.string().transform((value, ctx): "*" | string[] => {
  const trimmed = value.trim();
  if (trimmed === "*") return "*";
  if (trimmed === "off" || trimmed === "") return [];
  const list = trimmed.split(",").map((origin) => origin.trim());
  for (const origin of list) {
    const problem = originProblem(origin);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
  }
  return list;
});

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
  maxHeaderBytes: {
    flag: "--max-header-bytes",
    env: "WAYMARK_MAX_HEADER_BYTES",
    schema: bytes,
    fallback: 16_384,
  },
  maxHeaderCount: {
    flag: "--max-header-count",
    env: "WAYMARK_MAX_HEADER_COUNT",
    schema: count,
    fallback: 100,
  },
  headersTimeoutMs: {
    flag: "--headers-timeout-ms",
    env: "WAYMARK_HEADERS_TIMEOUT_MS",
    schema: milliseconds,
    fallback: 10_000,
  },
  requestTimeoutMs: {
    flag: "--request-timeout-ms",
    env: "WAYMARK_REQUEST_TIMEOUT_MS",
    schema: milliseconds,
    fallback: 30_000,
  },
  keepAliveTimeoutMs: {
    flag: "--keep-alive-timeout-ms",
    env: "WAYMARK_KEEP_ALIVE_TIMEOUT_MS",
    schema: milliseconds,
    fallback: 5_000,
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
  docs: {
    flag: "--no-docs",
    env: "WAYMARK_DOCS",
    schema: flag,
    fallback: true,
  },
  rateLimit: {
    flag: "--rate-limit",
    env: "WAYMARK_RATE_LIMIT",
    schema: rateLimit,
    fallback: { limit: 600, windowMs: 60_000 },
  },
  rateLimitPerFlow: {
    flag: "--rate-limit-per-flow",
    env: "WAYMARK_RATE_LIMIT_PER_FLOW",
    schema: rateLimit,
    fallback: false as const,
  },
  rateLimitBy: {
    flag: "--rate-limit-by",
    env: "WAYMARK_RATE_LIMIT_BY",
    schema: z.enum(["address", "x-forwarded-for"]),
    fallback: "address",
  },
  corsOrigins: {
    flag: "--cors-origins",
    env: "WAYMARK_CORS_ORIGINS",
    schema: origins,
    fallback: [],
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
