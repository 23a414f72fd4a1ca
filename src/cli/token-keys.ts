import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
  mkdirSync(dirname(developmentKeyFile), { recursive: true });
  // Keep the key out of the user's repository, wherever the server runs.
  writeFileSync(join(dirname(developmentKeyFile), ".gitignore"), "*\n");
  try {
    // "wx": of two servers starting at once, one writes the key and both read it.
    writeFileSync(developmentKeyFile, `${generateKeyEntry("dev")}\n`, { mode: 0o600, flag: "wx" });
    options.notice(
      `token mode: generated a development key in ${developmentKeyFile}; set WAYMARK_TOKEN_KEYS in production`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    options.notice(`token mode: using the development key in ${developmentKeyFile}`);
  }
  try {
    return parseKeyring(readFileSync(developmentKeyFile, "utf8").trim());
  } catch (error) {
    throw new Error(`${developmentKeyFile}: ${(error as Error).message}`);
  }
}
