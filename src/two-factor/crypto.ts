// TOTP secrets at rest and the codes themselves (issue 23 §4). Secrets are AES-GCM encrypted in
// the Worker with TOTP_ENCRYPTION_KEY before they reach the database, as `v1:<iv>.<ciphertext>`:
// the version names the key, so a later key can be added beside it (v2) and old rows re-encrypted.
import { decodeBase64, encodeBase32LowerCaseNoPadding, encodeBase64 } from "@oslojs/encoding";
import { createTOTPKeyURI, verifyHOTP } from "@oslojs/otp";
import type { Config } from "../config";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";

export const PERIOD = 30;
export const DIGITS = 6;
const VERSION = "v1";

/** A server without (the right) key: an operator has to act, so clients wait an hour, not seconds. */
const unavailable = (detail: string) => new ApiError("two_factor_unavailable", detail, {}, { "Retry-After": "3600" });

const keys = new WeakMap<Config, Promise<CryptoKey>>();

function keyOf(settings: Config): Promise<CryptoKey> {
  const raw = settings.TOTP_ENCRYPTION_KEY;
  if (raw === undefined) {
    throw unavailable("Two-factor sign-in needs TOTP_ENCRYPTION_KEY on the server; ask an administrator to set it.");
  }
  let key = keys.get(settings);
  if (!key) {
    key = crypto.subtle.importKey("raw", decodeBase64(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(settings, key);
  }
  return key;
}

/** Fails early (before any round trip) when the server has no key. */
export function requireKey(settings: Config): void {
  void keyOf(settings);
}

export function newSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(20));
}

export async function encryptSecret(settings: Config, secret: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyOf(settings), secret);
  return `${VERSION}:${encodeBase64(iv)}.${encodeBase64(new Uint8Array(sealed))}`;
}

export async function decryptSecret(settings: Config, stored: string): Promise<Uint8Array> {
  const key = await keyOf(settings);
  const match = /^v1:([A-Za-z0-9+/=]+)\.([A-Za-z0-9+/=]+)$/.exec(stored);
  try {
    if (!match?.[1] || !match[2]) throw new Error("unknown format");
    const iv = decodeBase64(match[1]);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, decodeBase64(match[2])));
  } catch {
    // Another key than the one it was sealed with (a rotation gone wrong): an operator's problem.
    console.error("invalid settings: TOTP_ENCRYPTION_KEY does not open a stored TOTP secret");
    throw unavailable("Two-factor sign-in cannot be checked on this server right now; ask an administrator.");
  }
}

export function otpauthUri(secret: Uint8Array, account: string): string {
  return createTOTPKeyURI("TimeLog", account, secret, PERIOD, DIGITS);
}

export const stepNow = () => Math.floor(Date.now() / 1000 / PERIOD);

/**
 * The newest 30-second step within ±1 of now whose code this is and that is newer than
 * `lastStep` (a step is used once), or undefined.
 */
export function matchingStep(secret: Uint8Array, code: string, lastStep: number): number | undefined {
  const now = stepNow();
  for (const step of [now + 1, now, now - 1]) {
    if (step > lastStep && verifyHOTP(secret, BigInt(step), DIGITS, code)) return step;
  }
  return undefined;
}

/** Ten recovery codes of 80 random bits each (xxxx-xxxx-xxxx-xxxx), shown once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const text = encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(10)));
    return text.match(/.{4}/g)?.join("-") ?? text;
  });
}

/** What is stored of a recovery code: case and dashes do not matter when it is typed back. */
export function recoveryHash(code: string): Promise<string> {
  return sha256Hex(`totp-recovery:${code.toLowerCase().replace(/[^a-z0-9]/g, "")}`);
}
