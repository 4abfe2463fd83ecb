// Two-factor sign-in (issue 23 §4): enrol, confirm, disable (/users/me/totp), and the second step
// of a sign-in (/users/login/otp). Codes are checked here against the decrypted secret; a step or
// recovery code is used up in the database (totp_use), so a replay or a race loses there.
import { createRoute } from "@hono/zod-openapi";
import { encodeBase32NoPadding } from "@oslojs/encoding";
import { getCookie } from "hono/cookie";
import { unauthorized, verifyDeviceToken } from "../auth/jwt";
import { access } from "../auth/middleware";
import { DUMMY_HASH, verifyPassword } from "../auth/password";
import { DEVICE_COOKIE, refuseCrossSite, signIn } from "../auth/sign-in";
import { attemptSucceeded } from "../auth/throttle";
import { anonymous, read } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { createSession } from "../users/queries";
import { TokenPair } from "../users/schemas";
import { codeStep, failed } from "./code-step";
import {
  decryptSecret,
  encryptSecret,
  matchingStep,
  newRecoveryCodes,
  newSecret,
  otpauthUri,
  recoveryHash,
  requireKey,
} from "./crypto";
import * as q from "./queries";
import { ConfirmBody, DisableBody, Enrolment, LoginOtpBody, RecoveryCodes } from "./schemas";

const tags = ["users"];
const wrongCode = () => new ApiError("otp_invalid", "The code is wrong or already used.");

/**
 * Refused rather than ignored: a stored response would keep a secret (the TOTP secret, the
 * recovery codes) in the database in clear. Enrolling again is the safe retry.
 */
function noIdempotencyKey(key: string | undefined) {
  if (key !== undefined) {
    throw new ApiError("idempotency_unsupported", "This does not take an Idempotency-Key: its answer is a secret.");
  }
}

export const twoFactor = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/me/totp",
      tags,
      summary: "Start two-factor enrolment: a new TOTP secret, pending until confirmed",
      description:
        "Answers the secret (base32) and an otpauth:// URI for a QR code; it replaces an earlier pending enrolment. 409 two_factor_enabled when enabled already (disable first); 503 two_factor_unavailable when the server has no TOTP_ENCRYPTION_KEY. Allowed under the company's require_2fa. No Idempotency-Key: the answer holds the secret, which is never stored in clear (422 idempotency_unsupported); just enrol again.",
      ...access({ scope: null, twoFactorExempt: true }),
      responses: { 201: json(Enrolment, "Pending enrolment"), ...problems(401, 409, 422, 503) },
    }),
    async (c) => {
      noIdempotencyKey(c.req.header("idempotency-key"));
      const settings = c.get("config");
      requireKey(settings);
      const secret = newSecret();
      const encrypted = await encryptSecret(settings, secret);
      const { results } = await read(c, [q.enrol(c.get("database").db, c.get("auth").userId, encrypted)], {
        write: true,
      });
      const email = results[0][0]?.email;
      if (!email) throw unauthorized();
      // The created thing is the caller's (pending) enrolment: one per person, at this path.
      c.header("Location", "/users/me/totp");
      return c.json({ secret: encodeBase32NoPadding(secret), otpauth_uri: otpauthUri(secret, email) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/totp/confirm",
      tags,
      summary: "Confirm enrolment with a first code: enables two-factor sign-in, answers 10 recovery codes once",
      description:
        "422 otp_invalid when the code is not the pending secret's (now, or one 30-second step either side); no Idempotency-Key (422 idempotency_unsupported: the answer is a secret); 409 two_factor_not_pending when nothing waits (never started, enabled already, or replaced by a newer enrolment). The recovery codes are stored hashed and shown only in this answer. Allowed under the company's require_2fa. Two round trips: the pending secret, then the confirmation.",
      ...access({ scope: null, twoFactorExempt: true }),
      request: { body: body(ConfirmBody) },
      responses: { 200: json(RecoveryCodes, "Enabled"), ...problems(401, 409, 422, 503) },
    }),
    async (c) => {
      noIdempotencyKey(c.req.header("idempotency-key"));
      const settings = c.get("config");
      requireKey(settings);
      const { db } = c.get("database");
      const { userId } = c.get("auth");
      const { results } = await read(c, [q.pendingSecret(db, userId)]);
      const pending = results[0][0];
      if (!pending)
        throw new ApiError("two_factor_not_pending", "No enrolment waits: start one with POST /users/me/totp.");
      const step = matchingStep(await decryptSecret(settings, pending.secret_encrypted), c.req.valid("json").code, 0);
      if (step === undefined) throw wrongCode();
      const codes = newRecoveryCodes();
      const hashes = await Promise.all(codes.map(recoveryHash));
      await read(c, [q.confirm(db, userId, pending.secret_encrypted, step, hashes)], { write: true });
      return c.json({ recovery_codes: codes }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/totp",
      tags,
      summary: "Disable two-factor sign-in (current_password and a code or a recovery code)",
      description:
        "Both are checked: 403 wrong_password, 422 otp_invalid (a code is used once). Wrong guesses are throttled like sign-ins (429). 409 two_factor_not_enabled when it is not enabled. Two round trips: the check is reserved before it is made.",
      ...access({ scope: null }),
      request: { body: body(DisableBody) },
      responses: { 204: noContent("Disabled"), ...problems(401, 403, 409, 422, 429, 503) },
    }),
    async (c) => {
      const settings = c.get("config");
      requireKey(settings);
      const { db } = c.get("database");
      const { userId, sessionId } = c.get("auth");
      const { code, recovery_code, current_password } = c.req.valid("json");
      // Round trip 1: reserve the guess (this session's budget, as PATCH /users/me), read the hash and secret.
      const { results } = await read(c, [q.beginDisable(db, userId, sessionId)], { write: true });
      const found = results[0][0];
      const password = await verifyPassword(current_password, found?.password_hash ?? DUMMY_HASH);
      if (!found || !password.ok) throw new ApiError("wrong_password", "current_password is not right.");
      if (found.secret_encrypted === null) {
        throw new ApiError("two_factor_not_enabled", "Two-factor sign-in is not enabled.");
      }
      let step: number | null = null;
      if (code !== undefined) {
        const secret = await decryptSecret(settings, found.secret_encrypted);
        step = matchingStep(secret, code, Number(found.last_step)) ?? null;
        if (step === null) throw wrongCode();
      }
      const hash = recovery_code === undefined ? null : await recoveryHash(recovery_code);
      // Round trip 2: use the factor (once), disable, and forgive this session's reservation.
      await read(c, [q.disable(db, userId, step, hash), attemptSucceeded(db, found.attempt)], { write: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login/otp",
      tags,
      summary: "Second step of a two-factor sign-in: the challenge and a code (or a recovery code)",
      description:
        "Public. The challenge is POST /users/login's (401 otp_required), valid 5 minutes. Answers as a sign-in does (tokens, auth_cookie, device token). 401 otp_failed when the code is wrong, from a step already used (a code works once), or the recovery code is used; 401 otp_challenge_invalid for a forged, expired or outdated challenge (the password changed). Guesses are throttled like passwords, per account and per client (429). Two round trips. A browser must send it from an allowed Origin (403 csrf_rejected), as the password step.",
      ...access("public"),
      request: { body: body(LoginOtpBody) },
      responses: {
        200: json(TokenPair, "Signed in; also sets auth_cookie and device_cookie"),
        ...problems(401, 403, 422, 429, 503),
      },
    }),
    async (c) => {
      // Login CSRF: this step sets auth_cookie as the password step does, so it refuses alike.
      refuseCrossSite(c);
      const settings = c.get("config");
      const { challenge, code, recovery_code, device_token } = c.req.valid("json");
      const device = await verifyDeviceToken(settings, device_token ?? getCookie(c, DEVICE_COOKIE));
      const step = await codeStep(c, { challenge, code, recovery_code, device });
      const { userId, fingerprint, deviceId } = step;
      // Round trip 2: use the step or code once (a replay raises), the reservation forgiven, the login.
      const results = await anonymous(c, [
        ...step.statements,
        createSession(c.get("database").db, userId, settings.REFRESH_TOKEN_TTL),
      ]);
      const [session] = results.at(-1) as { id: string; expires_at: Date }[];
      if (!session) throw failed();
      return c.json(await signIn(c, { userId, session, fingerprint, deviceId }), 200);
    },
  );
