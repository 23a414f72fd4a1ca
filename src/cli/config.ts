import { z } from "zod";
import { isWebhookSecret, type WebhookEndpoint } from "../delivery/destinations.ts";
import { originProblem } from "../http/cors.ts";
import { checkAdminToken } from "../http/operator.ts";

/**
 * A whole number from `min` to `max`, described by `range`. Every message names the
 * range, the one for a number too large included: a value of many digits is still a
 * number, refused for its size and not its shape.
 */
const wholeNumber = (min: 0 | 1, max: number, range: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${range}`)
    .transform(Number)
    .refine((value) => value >= min, `expected ${range}`)
    .refine((value) => value <= max, `too large: expected ${range}`);
const port = wholeNumber(0, 65_535, "a port number up to 65535");
const bytes = wholeNumber(1, 999_999_999, "a positive number of bytes, at most 999999999");
const milliseconds = wholeNumber(
  1,
  86_400_000,
  "a positive number of milliseconds, at most 86400000 ms (24 hours)",
);
const count = wholeNumber(1, 99_999, "a positive count up to 99999");
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

/** A comma-separated list, its items trimmed; empty for an empty string. */
const list = (value: string) =>
  value.trim() === "" ? [] : value.split(",").map((item) => item.trim());
const webhookUrls = z.string().transform((value, ctx): string[] => {
  const urls: string[] = [];
  for (const [index, item] of list(value).entries()) {
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (url?.protocol !== "http:" && url?.protocol !== "https:") {
      ctx.addIssue({
        code: "custom",
        message: `URL ${index + 1} is not a valid http: or https: URL`,
      });
      return z.NEVER;
    }
    if (url.username !== "" || url.password !== "") {
      // fetch refuses such a URL, and the outbox and its listing would show the password.
      ctx.addIssue({
        code: "custom",
        message: `URL ${index + 1} carries a user or password: put credentials in the receiver's path or query, or rely on the signature`,
      });
      return z.NEVER;
    }
    if (urls.includes(url.href)) {
      ctx.addIssue({ code: "custom", message: `${url.origin}… is named twice` });
      return z.NEVER;
    }
    urls.push(url.href);
  }
  return urls;
});
/** `whsec_` and the key in base64: 24 to 64 bytes, as the Standard Webhooks spec advises. */
const webhookSecrets = z.string().transform((value, ctx): string[] => {
  const secrets = list(value);
  for (const [index, secret] of secrets.entries()) {
    if (!isWebhookSecret(secret)) {
      // The secret itself is never repeated in a message.
      ctx.addIssue({
        code: "custom",
        message: `secret ${index + 1} is not whsec_ followed by 24 to 64 bytes in base64`,
      });
      return z.NEVER;
    }
  }
  return secrets;
});

/** The operator token: long enough not to be guessed, printable, never echoed. */
const adminToken = z.string().transform((value, ctx): string | undefined => {
  try {
    checkAdminToken(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^adminToken /, "") });
    return z.NEVER;
  }
  return value;
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
  webhookUrl: {
    flag: "--webhook-url",
    env: "WAYMARK_WEBHOOK_URL",
    schema: webhookUrls,
    fallback: [],
    // A receiver's URL may carry its own token.
    secret: true,
  },
  webhookSecret: {
    flag: "--webhook-secret",
    env: "WAYMARK_WEBHOOK_SECRET",
    schema: webhookSecrets,
    fallback: [],
    secret: true,
  },
  webhookTimeoutMs: {
    flag: "--webhook-timeout-ms",
    env: "WAYMARK_WEBHOOK_TIMEOUT_MS",
    schema: milliseconds,
    fallback: 10_000,
  },
  deliveryLeaseMs: {
    flag: "--delivery-lease-ms",
    env: "WAYMARK_DELIVERY_LEASE_MS",
    schema: milliseconds,
    fallback: 60_000,
  },
  liveMaxStreams: {
    flag: "--live-max-streams",
    env: "WAYMARK_LIVE_MAX_STREAMS",
    schema: count,
    fallback: 1_000,
  },
  liveHeartbeatMs: {
    flag: "--live-heartbeat-ms",
    env: "WAYMARK_LIVE_HEARTBEAT_MS",
    schema: milliseconds,
    fallback: 15_000,
  },
  liveIdleTimeoutMs: {
    flag: "--live-idle-timeout-ms",
    env: "WAYMARK_LIVE_IDLE_TIMEOUT_MS",
    schema: milliseconds,
    fallback: 300_000,
  },
  metrics: {
    flag: "--no-metrics",
    env: "WAYMARK_METRICS",
    schema: flag,
    fallback: true,
  },
  adminToken: {
    flag: "--admin-token",
    env: "WAYMARK_ADMIN_TOKEN",
    schema: adminToken,
    fallback: undefined,
    secret: true,
  },
  logLevel: {
    flag: "--log-level",
    env: "LOG_LEVEL",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    fallback: "info",
  },
} as const;

type Settings = typeof settings;

/**
 * Server settings after flags, environment and defaults are merged; `webhooks` pairs
 * `webhookUrl` with `webhookSecret`.
 */
export type ServeConfig = {
  readonly [K in keyof Settings]: z.output<Settings[K]["schema"]>;
} & { readonly webhooks: readonly WebhookEndpoint[] };

/** Command-line values, as commander hands them over (booleans for bare flags). */
export type ConfigFlags = { [K in keyof Settings]?: string | boolean };

/**
 * Reads the named settings once: a flag beats its environment variable, which beats the
 * default. An empty variable counts as unset. Invalid values throw naming the flag or
 * variable (and, for a secret, not its value). Settings not asked for are not read, so
 * `waymark purge` ignores `PORT`.
 *
 * `webhooks` reads `WAYMARK_WEBHOOK_URL` (`--webhook-url`: one URL, or several
 * comma-separated) and `WAYMARK_WEBHOOK_SECRET` (`--webhook-secret`: one secret for
 * every URL, or one per URL in the same order) into webhook endpoints. A URL without a
 * secret, a secret without a URL, or a count of secrets that matches neither throws.
 *
 * @example resolveConfig(["port", "store"], { port: "8080" }) // { port: 8080, store: "sqlite:./waymark.db" }
 * @example resolveConfig(["webhooks"], {}, { WAYMARK_WEBHOOK_URL: "https://example.com/hooks", WAYMARK_WEBHOOK_SECRET: "whsec_…" })
 * // { webhooks: [{ url: "https://example.com/hooks", secret: "whsec_…" }] }
 */
export function resolveConfig<K extends keyof ServeConfig>(
  keys: readonly K[],
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Pick<ServeConfig, K>> {
  const config: Partial<Record<keyof ServeConfig, unknown>> = {};
  for (const key of keys) {
    config[key] =
      key === "webhooks" ? readWebhooks(flags, env) : readSetting(key, flags, env).value;
  }
  return Object.freeze(config) as Pick<ServeConfig, K>;
}

/** One setting's value, and the flag or variable it came from (none for the default). */
function readSetting<K extends keyof Settings>(
  key: K,
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
): { value: ServeConfig[K]; source?: string } {
  const setting: Setting = settings[key];
  const fromFlag = flags[key];
  const fromEnv = env[setting.env] === "" ? undefined : env[setting.env];
  const raw = typeof fromFlag === "boolean" ? String(fromFlag) : (fromFlag ?? fromEnv);
  if (raw === undefined) return { value: setting.fallback as ServeConfig[K] };
  const source = fromFlag === undefined ? setting.env : setting.flag;
  const parsed = setting.schema.safeParse(raw);
  if (!parsed.success) {
    const shown = setting.secret ? "" : ` "${raw}"`;
    throw new Error(`invalid ${source}${shown}: ${parsed.error.issues[0]?.message}`);
  }
  return { value: parsed.data as ServeConfig[K], source };
}

/** What every entry of the table has; `secret` keeps its value out of messages. */
interface Setting {
  flag: string;
  env: string;
  schema: z.ZodType<unknown, string>;
  fallback: unknown;
  secret?: boolean;
}

/** The webhook endpoints: each URL with its secret. */
function readWebhooks(flags: ConfigFlags, env: NodeJS.ProcessEnv): WebhookEndpoint[] {
  const urls = readSetting("webhookUrl", flags, env);
  const secrets = readSetting("webhookSecret", flags, env);
  // Read whether or not a URL is set, so a malformed value is refused either way.
  const timeoutMs = readSetting("webhookTimeoutMs", flags, env).value;
  const urlSource = urls.source ?? settings.webhookUrl.env;
  const secretSource = secrets.source ?? settings.webhookSecret.env;
  if (urls.value.length === 0) {
    if (secrets.value.length > 0) {
      throw new Error(`${secretSource} is set but no webhook URL is: set ${urlSource} too`);
    }
    return [];
  }
  if (secrets.value.length === 0) {
    throw new Error(`${urlSource} names a webhook URL but no secret is set: set ${secretSource}`);
  }
  if (secrets.value.length !== 1 && secrets.value.length !== urls.value.length) {
    throw new Error(
      `${secretSource} has ${secrets.value.length} secrets for the ${urls.value.length} URLs of ${urlSource}: give one secret for all, or one per URL`,
    );
  }
  return urls.value.map((url, index) => ({
    url,
    secret: secrets.value[secrets.value.length === 1 ? 0 : index] as string,
    timeoutMs,
  }));
}
