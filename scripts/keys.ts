// Development and test signing keys: RS256, as the old service used, with a `kid` for rotation.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

export function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return JSON.stringify({ ...jwk, kid: randomUUID(), alg: "RS256", use: "sig" });
}

/** TOTP_ENCRYPTION_KEY: 32 random bytes, base64 (two-factor secrets are encrypted with it). */
export function newTotpKey(): string {
  return randomBytes(32).toString("base64");
}
