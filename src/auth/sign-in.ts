// What every way of signing in ends with, once its session row exists: the token pair, a device
// token, and the cookies a browser keeps. Shared by POST /users/login, POST /users/login/otp and POST /invitations/accept
// so the two cannot drift (cookie flags, device binding).
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { Compilable } from "kysely";
import { anonymous } from "../db/request";
import { ApiError } from "../lib/errors";
import { countRequest } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import { setPasswordHash } from "../users/queries";
import { DEVICE_TOKEN_TTL, type Device, issueChallenge, issueDeviceToken, issueTokens } from "./jwt";
import { AUTH_COOKIE, checkOrigin } from "./middleware";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./password";
import { attemptSucceeded, beginLogin, clientKey, currentFingerprint } from "./throttle";
import { turnstilePassed } from "./turnstile";

export const DEVICE_COOKIE = "device_cookie";

export function setAuthCookie(c: Context<AppEnv>, name: string, token: string, maxAge: number, path = "/") {
  setCookie(c, name, token, { httpOnly: true, secure: true, sameSite: "Strict", path, maxAge });
}

export interface NewSession {
  userId: number;
  session: { id: string; expires_at: Date | string };
  /** The password fingerprint the device token is bound to (a new password ends the device). */
  fingerprint: string;
  /** The device this client signed in with before, if it is this user's. */
  device?: Device;
  /** The device a two-factor challenge named (POST /users/login/otp): it wins over `device`. */
  deviceId?: string;
}

/**
 * Login CSRF: a page elsewhere must not sign a browser in to the attacker's account. Browsers
 * send Origin on cross-site POSTs, and Sec-Fetch-Site; apps send neither.
 */
export function refuseCrossSite(c: Context<AppEnv>) {
  if (c.req.header("origin") !== undefined) checkOrigin(c);
  if (c.req.header("sec-fetch-site") === "cross-site") {
    throw new ApiError("csrf_rejected", "Sign-in from another site is not allowed.");
  }
}

export async function signIn(
  c: Context<AppEnv>,
  { userId, session, fingerprint, device, deviceId: named }: NewSession,
) {
  const settings = c.get("config");
  const expires = new Date(session.expires_at);
  const tokens = await issueTokens(settings, { userId, sessionId: session.id, generation: 0 }, expires);
  const deviceId = named ?? (device?.userId === userId ? device.deviceId : crypto.randomUUID());
  const deviceToken = await issueDeviceToken(settings, { userId, deviceId, passwordFingerprint: fingerprint });
  setAuthCookie(c, AUTH_COOKIE, tokens.access_token, settings.ACCESS_TOKEN_TTL);
  setAuthCookie(c, DEVICE_COOKIE, deviceToken, DEVICE_TOKEN_TTL, "/users/login");
  return { ...tokens, device_token: deviceToken };
}

const invalidLogin = () => new ApiError("invalid_credentials", "Wrong email or password.");

/** The password step passed: what the caller's second round trip must carry, or a challenge. */
export type PasswordChecked =
  | { challenge: string }
  | { challenge?: undefined; userId: number; statements: Compilable<unknown>[] };

/**
 * The password step of every sign-in (POST /users/login, the OAuth consent page): Turnstile, the
 * throttle's reservation and the account in round trip 1, the password check (against a dummy
 * hash for unknown accounts, so both answers take the same time). With two-factor sign-in it
 * makes round trip 2 itself and answers the challenge for the code step (no login yet). Otherwise
 * it answers the statements the caller's round trip 2 must run first: the reservation forgiven,
 * a rehash, and the current password fingerprint (last).
 */
export async function passwordStep(
  c: Context<AppEnv>,
  {
    email,
    password,
    device,
    turnstileToken,
  }: { email: string; password: string; device?: Device; turnstileToken?: string },
): Promise<PasswordChecked> {
  const settings = c.get("config");
  const { db } = c.get("database");
  // Counted before Turnstile is asked: a client over its rate limit costs no verification call.
  await countRequest(c);
  const turnstile = await turnstilePassed(settings, turnstileToken, c.req.header("cf-connecting-ip"));
  const [[found]] = await anonymous(c, [beginLogin(db, email, await clientKey(c), device, turnstile)]);
  const verdict = await verifyPassword(password, found?.password_hash ?? DUMMY_HASH);
  if (!found || !verdict.ok || found.id === null || found.is_active !== true) throw invalidLogin();
  const userId = found.id;
  const rehash = verdict.needsRehash ? [setPasswordHash(db, userId, await hashPassword(password))] : [];
  const statements = [attemptSucceeded(db, found.attempt), ...rehash, currentFingerprint(db, userId)];
  if (!found.two_factor) return { userId, statements };
  // The password was right (it stops counting as a failure); a challenge instead of a login.
  const results = await anonymous(c, statements);
  const fingerprint = (results.at(-1)?.[0] as { fingerprint: string } | undefined)?.fingerprint;
  if (!fingerprint) throw invalidLogin();
  const deviceId = device?.userId === userId ? device.deviceId : crypto.randomUUID();
  const challenge = await issueChallenge(settings, {
    userId,
    passwordFingerprint: fingerprint,
    deviceId,
    turnstile: turnstile === true,
  });
  return { challenge };
}
