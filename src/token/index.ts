/**
 * Token mode: no store at all, the flow id is the sealed flow. Key parsing and key
 * generation come with it, for `WAYMARK_TOKEN_KEYS`.
 */
export { generateKeyEntry, type Keyring, parseKeyring } from "./jwe.ts";
export { createTokenMode, type TokenMode, type TokenModeOptions } from "./mode.ts";
