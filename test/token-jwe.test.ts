import { CompactEncrypt, compactDecrypt } from "jose";
import { describe, expect, it } from "vitest";
import {
  generateKeyEntry,
  openToken,
  parseKeyring,
  sealToken,
  TokenError,
  tokenType,
} from "../src/token/jwe.ts";

const current = parseKeyring(`${generateKeyEntry("new")},${generateKeyEntry("old")}`);
const payload = { id: "3f0c", data: { "personal-info": { firstName: "Zoë 🧭" } }, version: 3 };

describe("token sealing", () => {
  it("round-trips a payload", () => {
    expect(openToken(sealToken(payload, current), current)).toEqual(payload);
  });

  it("seals with the first key and opens with any listed one (rotation)", () => {
    const oldOnly = parseKeyring(generateKeyEntry("old"));
    const rotated = parseKeyring(
      `${generateKeyEntry("new")},old:${oldOnly.keys.get("old")?.toString("base64url")}`,
    );
    const sealedByOld = sealToken(payload, oldOnly);
    expect(openToken(sealedByOld, rotated)).toEqual(payload);
    const header = JSON.parse(
      Buffer.from(sealToken(payload, rotated).split(".")[0] ?? "", "base64url").toString(),
    );
    expect(header).toEqual({ alg: "dir", enc: "A256GCM", kid: "new", typ: tokenType });
    // Retired: the old key is gone, so its tokens no longer open.
    const retired = parseKeyring(`new:${rotated.keys.get("new")?.toString("base64url")}`);
    expect(() => openToken(sealedByOld, retired)).toThrow(TokenError);
  });

  it("opens with jose what Node's crypto sealed", async () => {
    const token = sealToken(payload, current);
    const key = current.keys.get("new") as Buffer;
    const { plaintext, protectedHeader } = await compactDecrypt(token, key, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    expect(protectedHeader).toMatchObject({ kid: "new", typ: tokenType });
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual(payload);
  });

  it("opens what jose sealed", async () => {
    const key = current.keys.get("old") as Buffer;
    const token = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: "old", typ: tokenType })
      .encrypt(key);
    expect(openToken(token, current)).toEqual(payload);
  });

  it("refuses every single-character change, anywhere in the token", () => {
    const token = sealToken(payload, current);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (let index = 0; index < token.length; index++) {
      const original = token[index] ?? "";
      const swapped = alphabet[(alphabet.indexOf(original) + 7) % alphabet.length] ?? "A";
      const tampered = token.slice(0, index) + swapped + token.slice(index + 1);
      expect(() => openToken(tampered, current), `position ${index}`).toThrow(TokenError);
    }
  });

  it.each([
    ["empty", ""],
    ["truncated", "eyJhbGciOiJkaXIifQ..abc"],
    ["not base64url", "a.b.c!.d.e"],
    ["a JWT-looking string", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."],
  ])("refuses a %s token", (_label, token) => {
    expect(() => openToken(token, current)).toThrow(TokenError);
  });

  it("refuses other algorithms, compression and other token types", async () => {
    const key = current.keys.get("new") as Buffer;
    const seal = (header: Record<string, unknown>) =>
      new CompactEncrypt(new TextEncoder().encode("{}"))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: "new", ...header })
        .encrypt(header.enc === "A128GCM" ? key.subarray(0, 16) : key);
    await expect(seal({ typ: "JWT" })).resolves.toSatisfy((token: string) => {
      expect(() => openToken(token, current)).toThrow("wrong token type");
      return true;
    });
    // jose no longer seals with zip; the header alone must be refused, before decrypting.
    const zipHeader = Buffer.from(
      JSON.stringify({ alg: "dir", enc: "A256GCM", zip: "DEF", kid: "new", typ: tokenType }),
    ).toString("base64url");
    const [, , iv, ciphertext, tag] = sealToken(payload, current).split(".");
    const zipped = `${zipHeader}..${iv}.${ciphertext}.${tag}`;
    expect(() => openToken(zipped, current)).toThrow("compression is refused");
    const weaker = await seal({ typ: tokenType, enc: "A128GCM" });
    expect(() => openToken(weaker, current)).toThrow("wrong algorithm");
  });

  it.each([
    ["no key", ""],
    ["a short key", "k:abc"],
    ["a bad key id", `k k:${"A".repeat(43)}`],
    ["a repeated key id", `${generateKeyEntry("k")},${generateKeyEntry("k")}`],
  ])("refuses a keyring with %s", (_label, spec) => {
    expect(() => parseKeyring(spec)).toThrow();
  });
});
