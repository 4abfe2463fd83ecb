// The code step of a two-factor sign-in, shared by POST /users/login/otp and the OAuth consent
// page: the challenge, the guess reserved under the sign-in throttle (round trip 1), the code
// checked against the decrypted secret. The caller's round trip 2 runs `statements` first: the
// step or recovery code used up (a replay or a race raises there) and the reservation forgiven.
import type { Context } from "hono";
import type { Compilable } from "kysely";
import { type Device, verifyChallenge } from "../auth/jwt";
import { attemptSucceeded, clientKey } from "../auth/throttle";
import { anonymous } from "../db/request";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../lib/router";
import { decryptSecret, matchingStep, recoveryHash, requireKey } from "./crypto";
import * as q from "./queries";

export const failed = () => new ApiError("otp_failed", "The code is wrong, expired or already used.");
export const badChallenge = () =>
  new ApiError(
    "otp_challenge_invalid",
    "The sign-in challenge is invalid or expired; sign in again with the password.",
  );

export interface CodeGiven {
  challenge: string;
  code?: string;
  recovery_code?: string;
  device?: Device;
}

export async function codeStep(
  c: Context<AppEnv>,
  { challenge, code, recovery_code, device }: CodeGiven,
): Promise<{ userId: number; fingerprint: string; deviceId: string; statements: Compilable<unknown>[] }> {
  const settings = c.get("config");
  requireKey(settings);
  const claims = await verifyChallenge(settings, challenge);
  if (!claims) throw badChallenge();
  const { userId } = claims;
  const trusted =
    device?.userId === userId ? { id: device.deviceId, userId, fingerprint: device.passwordFingerprint } : undefined;
  const { db } = c.get("database");
  // Round trip 1: reserve the guess in the database (429 when a budget is spent), read the secret.
  const [[found]] = await anonymous(c, [q.beginCode(db, userId, await clientKey(c), trusted, claims.turnstile)]);
  if (found?.is_active !== true || found.fingerprint !== claims.passwordFingerprint) throw badChallenge();
  if (found.secret_encrypted === null) throw failed();
  let step: number | null = null;
  if (code !== undefined) {
    const secret = await decryptSecret(settings, found.secret_encrypted);
    step = matchingStep(secret, code, Number(found.last_step)) ?? null;
    if (step === null) throw failed();
  }
  if (step === null && recovery_code === undefined) throw failed();
  const hash = recovery_code === undefined ? null : await recoveryHash(recovery_code);
  return {
    userId,
    fingerprint: claims.passwordFingerprint,
    deviceId: claims.deviceId,
    statements: [
      q.useForSignIn(db, userId, step, hash, claims.passwordFingerprint),
      attemptSucceeded(db, found.attempt),
    ],
  };
}
