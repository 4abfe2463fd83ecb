// Sessions: register, sign in, refresh, sign out. Mounted under /users (the old service's paths).
import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { anonymous, read } from "../db/request";
import { ApiError } from "../lib/errors";
import { newLinkToken } from "../lib/link-token";
import { body, json, noContent } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import * as q from "../users/queries";
import { LoginForm, LoginJson, RefreshBody, Register, TokenPair, User } from "../users/schemas";
import { issueTokens, unauthorized, verifyDeviceToken, verifyRefreshToken } from "./jwt";
import { AUTH_COOKIE, access } from "./middleware";
import { hashPassword } from "./password";
import { DEVICE_COOKIE, passwordStep, refuseCrossSite, setAuthCookie, signIn } from "./sign-in";
import { beginRegistration, clientKey } from "./throttle";

const tags = ["users"];

const invalidLogin = () => new ApiError("invalid_credentials", "Wrong email or password.");

function credentials(c: Context<AppEnv>): z.infer<typeof LoginJson> {
  const type = c.req.header("content-type") ?? "";
  if (/^application\/json/i.test(type)) return c.req.valid("json" as never) as z.infer<typeof LoginJson>;
  if (/^application\/x-www-form-urlencoded/i.test(type)) {
    const { username, ...rest } = c.req.valid("form" as never) as z.infer<typeof LoginForm>;
    return { email: username, ...rest };
  }
  throw new ApiError("unsupported_media_type", "Send JSON or application/x-www-form-urlencoded.");
}

export const sessions = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags,
      summary: "Create an account (a few per client an hour, into positions open for self-registration)",
      description:
        "Public. The new account's address is unverified: an email_verification email goes to it (see POST /users/email-verification). 403 registration_closed when the company setting registration is invite_only (checked first, before anything is hashed, and again when the account is inserted); 403 when the position is not open for self-registration; 409 when the email (email_taken) or the username, regardless of case (username_taken), is taken; 429 when this client has created too many accounts in the last hour (checked before the password is hashed).",
      ...access("public"),
      request: { body: body(Register) },
      responses: { 201: json(User, "Registered"), ...problems(403, 409, 422, 429) },
    }),
    async (c) => {
      const settings = c.get("config");
      const { password, ...input } = c.req.valid("json");
      const database = c.get("database");
      // Round trip 1: the budget (and the position), before any hashing: a refused registration
      // costs no PBKDF2, so a flood of them is not free CPU.
      const guard = beginRegistration(
        database.db,
        await clientKey(c),
        input.position_fk,
        settings.REGISTRATION_PER_HOUR,
      );
      await anonymous(c, [guard]);
      // Round trip 2: the account, and the link that verifies its address (queued with it).
      const password_hash = await hashPassword(password);
      const link = await newLinkToken("ver");
      const [[row]] = await anonymous(c, [q.insertUser(database.db, { ...input, password_hash }, link)]);
      if (!row) throw new ApiError("email_taken", "That email is already registered.");
      return c.json(row.body, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags,
      summary: "Sign in (JSON {email, password} or the old form: username=email, password)",
      description:
        "Public. Answers an access token, a refresh token and a device token; browsers also get the access token as auth_cookie. With two-factor sign-in enabled, the right password answers 401 otp_required with a challenge (no tokens): finish with POST /users/login/otp. Failed attempts are throttled (429), and the device token tells the throttle this device from others. When an account is over its budget for unknown clients and Turnstile is configured, the 429's code is turnstile_required: the same sign-in with a turnstile_token may go on. A browser must sign in from an allowed Origin (403).",
      ...access("public"),
      request: {
        body: {
          required: false,
          content: {
            "application/json": { schema: LoginJson },
            "application/x-www-form-urlencoded": { schema: LoginForm },
          },
        },
      },
      responses: {
        200: json(TokenPair, "Signed in; also sets auth_cookie and device_cookie"),
        ...problems(401, 403, 415, 422, 429),
      },
    }),
    async (c) => {
      refuseCrossSite(c);
      const { email, password, device_token, turnstile_token } = credentials(c);
      const settings = c.get("config");
      const database = c.get("database");
      const device = await verifyDeviceToken(settings, device_token ?? getCookie(c, DEVICE_COOKIE));
      const checked = await passwordStep(c, { email, password, device, turnstileToken: turnstile_token });
      if (checked.challenge !== undefined) {
        throw new ApiError(
          "otp_required",
          "Send a code from your authenticator app (or a recovery code) with this challenge to POST /users/login/otp within 5 minutes.",
          { challenge: checked.challenge },
        );
      }
      const { userId } = checked;
      // Round trip 2: the login itself; the reservation stops counting as a failure.
      const [[session], ...rest] = await anonymous(c, [
        q.createSession(database.db, userId, settings.REFRESH_TOKEN_TTL),
        ...checked.statements,
      ]);
      const fingerprint = ((rest.at(-1) as unknown[] | undefined)?.[0] as { fingerprint: string } | undefined)
        ?.fingerprint;
      if (!session || !fingerprint) throw invalidLogin();
      return c.json(await signIn(c, { userId, session, fingerprint, device }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags,
      summary: "Trade a refresh token for a new pair; the old one is spent",
      description:
        "Public: the refresh token is the credential. Each works once: the answer carries its successor and renews auth_cookie.",
      ...access("public"),
      request: { body: body(RefreshBody) },
      responses: { 200: json(TokenPair, "New tokens"), ...problems(401, 422) },
    }),
    async (c) => {
      const settings = c.get("config");
      const database = c.get("database");
      const claims = await verifyRefreshToken(settings, c.req.valid("json").refresh_token);
      const [[row]] = await anonymous(c, [
        q.rotateRefresh(database.db, claims.sessionId, claims.userId, claims.generation),
      ]);
      if (!row || row.generation === null) throw unauthorized();
      const tokens = await issueTokens(settings, { ...claims, generation: row.generation }, new Date(row.expires_at));
      setAuthCookie(c, AUTH_COOKIE, tokens.access_token, settings.ACCESS_TOKEN_TTL);
      return c.json(tokens, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags,
      summary: "End this login: its access token, cookie and refresh token stop working now",
      description:
        "Ends the login the caller's token belongs to and clears auth_cookie; the user's other logins go on.",
      ...access({ scope: null, twoFactorExempt: true }),
      responses: { 204: noContent("Signed out"), ...problems(401, 403) },
    }),
    async (c) => {
      await read(c, [q.revokeSession(c.get("database").db, c.get("auth").sessionId, "logout")], { write: true });
      deleteCookie(c, AUTH_COOKIE, { path: "/", secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout-all",
      tags,
      summary: "End every login of the caller",
      description:
        "Ends every login of the caller, this one included, and clears auth_cookie. API tokens are not logins and keep working: revoke them under /users/me/tokens, or change the password (which revokes them by default).",
      ...access({ scope: null, twoFactorExempt: true }),
      responses: { 204: noContent("Signed out everywhere"), ...problems(401, 403) },
    }),
    async (c) => {
      await read(c, [q.revokeUserSessions(c.get("database").db, c.get("auth").userId, "logout_all")], { write: true });
      deleteCookie(c, AUTH_COOKIE, { path: "/", secure: true });
      return c.body(null, 204);
    },
  );
