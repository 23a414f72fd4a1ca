import { z } from "zod";

const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  HOST: z.string().min(1).optional(),
  WAYMARK_STORE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
});

/** Server settings after flags, environment and defaults are merged. */
export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  readonly store: string;
  readonly logLevel: string;
}

/** Defaults: what `npm start` uses when nothing overrides it. */
export const defaults = {
  port: 3000,
  host: "127.0.0.1",
  store: "sqlite:./waymark.db",
  logLevel: "info",
} as const;

/**
 * Reads the environment once: a flag beats its variable, which beats the default.
 * Invalid values throw with the variable's name.
 */
export function resolveConfig(
  flags: { port?: string; host?: string; store?: string },
  env: NodeJS.ProcessEnv = process.env,
): ServeConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const port = flags.port === undefined ? parsed.data.PORT : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new Error(`invalid --port: ${flags.port}`);
  }
  return Object.freeze({
    port: port ?? defaults.port,
    host: flags.host ?? parsed.data.HOST ?? defaults.host,
    store: flags.store ?? parsed.data.WAYMARK_STORE ?? defaults.store,
    logLevel: parsed.data.LOG_LEVEL ?? defaults.logLevel,
  });
}
