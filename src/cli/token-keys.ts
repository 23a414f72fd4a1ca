import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateKeyEntry, type Keyring, parseKeyring } from "../token/jwe.ts";

/** Where a development key is kept between restarts (git-ignored). */
export const developmentKeyFile = ".waymark/token-keys";

/**
 * The token keys: `WAYMARK_TOKEN_KEYS` when set; in production nothing else will do; in
 * development a key generated once and kept in {@link developmentKeyFile}, so restarts
 * keep opening the tokens they issued.
 *
 * @example const keyring = resolveKeyring({ spec: process.env.WAYMARK_TOKEN_KEYS, production: false, notice: console.warn });
 */
export function resolveKeyring(options: {
  spec: string | undefined;
  production: boolean;
  notice: (message: string) => void;
}): Keyring {
  if (options.spec) {
    try {
      return parseKeyring(options.spec);
    } catch (error) {
      throw new Error(`invalid WAYMARK_TOKEN_KEYS: ${(error as Error).message}`);
    }
  }
  if (options.production) {
    throw new Error(
      "token mode needs WAYMARK_TOKEN_KEYS when NODE_ENV=production: create a key with `waymark keygen`",
    );
  }
  if (!existsSync(developmentKeyFile)) {
    mkdirSync(dirname(developmentKeyFile), { recursive: true });
    writeFileSync(developmentKeyFile, `${generateKeyEntry("dev")}\n`, { mode: 0o600 });
    chmodSync(developmentKeyFile, 0o600);
    options.notice(
      `token mode: generated a development key in ${developmentKeyFile}; set WAYMARK_TOKEN_KEYS in production`,
    );
  } else {
    options.notice(`token mode: using the development key in ${developmentKeyFile}`);
  }
  return parseKeyring(readFileSync(developmentKeyFile, "utf8").trim());
}
