// What every way of signing in ends with, once its session row exists: the token pair, a device
// token, and the cookies a browser keeps. Shared by POST /users/login, POST /users/login/otp and POST /invitations/accept
// so the two cannot drift (cookie flags, device binding).
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../lib/router";
import { DEVICE_TOKEN_TTL, type Device, issueDeviceToken, issueTokens } from "./jwt";
import { AUTH_COOKIE, checkOrigin } from "./middleware";

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
