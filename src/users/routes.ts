import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { AUTH_COOKIE, authBatch } from "../auth/middleware";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../auth/password";
import { issueTokens, unauthorized, verifyRefreshToken } from "../auth/tokens";
import { batch } from "../db/client";
import { registerConstraint } from "../db/errors";
import { ApiError } from "../lib/errors";
import { body, json, signedIn } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { IdParam, Page, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  LoginForm,
  LoginJson,
  RefreshBody,
  Register,
  TokenPair,
  toUser,
  UpdateMe,
  UpdateUser,
  User,
  UserPage,
} from "./schemas";

registerConstraint("app_user_email_key", 409, "email_taken", "That email is already registered.");
registerConstraint("app_user_position_fk_fkey", 422, "unknown_position", "position_fk does not name a position.");

const ACCOUNT_FAILURE_LIMIT = 5;
const CLIENT_FAILURE_LIMIT = 50;

/** The client address for throttling: Cloudflare's own header, which callers cannot forge there. */
const clientOf = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "unknown";

function setAuthCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, AUTH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: c.get("settings").ACCESS_TOKEN_TTL,
  });
}

const invalidLogin = () => new ApiError(401, "invalid_credentials", "Wrong email or password.");

export const users = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags: ["users"],
      summary: "Create an account",
      request: { body: body(Register) },
      responses: { 201: json(User, "Registered"), ...problems(403, 409, 422) },
    }),
    async (c) => {
      if (!c.get("settings").REGISTRATION_OPEN) {
        throw new ApiError(403, "registration_closed", "Registration is closed; ask an administrator for an account.");
      }
      const { password, ...input } = c.req.valid("json");
      const password_hash = await hashPassword(password);
      const row = await q.insertUser(c.get("database").db, { ...input, password_hash }).executeTakeFirstOrThrow();
      return c.json(toUser(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags: ["users"],
      summary: "Sign in (JSON {email, password} or the old form: username=email, password)",
      request: {
        body: {
          required: false,
          content: {
            "application/json": { schema: LoginJson },
            "application/x-www-form-urlencoded": { schema: LoginForm },
          },
        },
      },
      responses: { 200: json(TokenPair, "Signed in; also sets auth_cookie"), ...problems(401, 415, 422, 429) },
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      let email: string;
      let password: string;
      if (/^application\/json/i.test(type)) {
        ({ email, password } = c.req.valid("json") as z.infer<typeof LoginJson>);
      } else if (/^application\/x-www-form-urlencoded/i.test(type)) {
        ({ username: email, password } = c.req.valid("form") as z.infer<typeof LoginForm>);
      } else {
        throw new ApiError(415, "unsupported_media_type", "Send JSON or application/x-www-form-urlencoded.");
      }
      const settings = c.get("settings");
      const database = c.get("database");
      const client = clientOf(c);
      // Round trip 1: the account and the recent failures for it and for this client.
      const found = await q.findLoginCandidate(database.db, email, client).executeTakeFirstOrThrow();
      if (
        Number(found.account_failures) >= ACCOUNT_FAILURE_LIMIT ||
        Number(found.client_failures) >= CLIENT_FAILURE_LIMIT
      ) {
        const wait = Math.max(1, found.retry_after ?? 60);
        throw new ApiError(
          429,
          "too_many_attempts",
          "Too many failed sign-ins; wait and try again.",
          {},
          { "Retry-After": String(wait) },
        );
      }
      // Unknown accounts are checked against a dummy hash so both answers take the same time.
      const verdict = await verifyPassword(password, found.password_hash ?? DUMMY_HASH);
      if (!verdict.ok || found.id === null || found.is_active !== true) {
        await q.recordLoginFailure(database.db, email, client).execute(); // round trip 2
        throw invalidLogin();
      }
      const userId = found.id;
      const rehash = verdict.needsRehash ? [q.setPasswordHash(database.db, userId, await hashPassword(password))] : [];
      // Round trip 2: the login itself.
      const [[session]] = await batch(database, [
        q.createSession(database.db, userId, settings.REFRESH_TOKEN_TTL),
        q.clearLoginFailures(database.db, email),
        ...rehash,
      ]);
      if (!session) throw invalidLogin();
      const tokens = await issueTokens(settings, { userId, sessionId: session.id, generation: 0 }, session.expires_at);
      setAuthCookie(c, tokens.access_token);
      return c.json(tokens, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags: ["users"],
      summary: "Trade a refresh token for a new pair; the old one is spent",
      request: { body: body(RefreshBody) },
      responses: { 200: json(TokenPair, "New tokens"), ...problems(401, 422) },
    }),
    async (c) => {
      const settings = c.get("settings");
      const claims = await verifyRefreshToken(settings, c.req.valid("json").refresh_token);
      const row = await q
        .rotateRefresh(c.get("database").db, claims.sessionId, claims.userId, claims.generation)
        .executeTakeFirstOrThrow();
      if (row.generation === null) throw unauthorized();
      const tokens = await issueTokens(settings, { ...claims, generation: row.generation }, new Date(row.expires_at));
      setAuthCookie(c, tokens.access_token);
      return c.json(tokens, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["users"],
      summary: "End this login: its access token, cookie and refresh token stop working now",
      ...signedIn,
      responses: { 204: { description: "Signed out" }, ...problems(401, 403) },
    }),
    async (c) => {
      await authBatch(c, [q.revokeSession(c.get("database").db, c.get("auth").sessionId, "logout")]);
      deleteCookie(c, AUTH_COOKIE, { path: "/", secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout-all",
      tags: ["users"],
      summary: "End every login of the caller",
      ...signedIn,
      responses: { 204: { description: "Signed out everywhere" }, ...problems(401, 403) },
    }),
    async (c) => {
      await authBatch(c, [q.revokeUserSessions(c.get("database").db, c.get("auth").userId, "logout_all")]);
      deleteCookie(c, AUTH_COOKIE, { path: "/", secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags: ["users"],
      summary: "The signed-in user",
      ...signedIn,
      responses: { 200: json(User, "You"), ...problems(401) },
    }),
    async (c) => {
      const { results } = await authBatch(c, [q.findUser(c.get("database").db, c.get("auth").userId)]);
      const [row] = results[0];
      if (!row) throw unauthorized();
      return c.json(toUser(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: ["users"],
      summary: "Change your username, or your password (with current_password; ends your other logins)",
      ...signedIn,
      request: { body: body(UpdateMe) },
      responses: { 200: json(User, "Updated"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { username, password, current_password } = c.req.valid("json");
      const { userId, sessionId } = c.get("auth");
      const { db } = c.get("database");
      const patch: { username?: string; password_hash?: string } = { username };
      const extra = [];
      if (password !== undefined) {
        // A credential check, like login: read the hash, verify here, then write (two round trips).
        const { results } = await authBatch(c, [q.findPasswordHash(db, userId)]);
        const stored = results[0][0]?.password_hash ?? DUMMY_HASH;
        if (!(await verifyPassword(current_password ?? "", stored)).ok) {
          throw new ApiError(403, "wrong_password", "current_password is not right.");
        }
        patch.password_hash = await hashPassword(password);
        extra.push(q.revokeUserSessions(db, userId, "password_changed", sessionId));
      }
      const { results } = await authBatch(c, [q.updateUser(db, userId, patch), ...extra]);
      const [row] = results[0];
      if (!row) throw unauthorized();
      return c.json(toUser(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["users"],
      summary: "All users with their position (superusers)",
      ...signedIn,
      request: { query: Page },
      responses: { 200: json(UserPage, "A page of users"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const { results } = await authBatch(c, [q.listUsers(c.get("database").db, cursor, limit)], { superuser: true });
      const rows = results[0];
      const page = rows.slice(0, limit);
      return c.json(
        {
          items: page.map((r) => ({ ...toUser(r), position_title: r.position_title })),
          next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["users"],
      summary: "A user: yourself, or anyone for a superuser",
      ...signedIn,
      request: { params: IdParam },
      responses: { 200: json(User, "The user"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { results } = await authBatch(c, [q.findVisibleUser(c.get("database").db, id, c.get("auth").userId)]);
      const [row] = results[0];
      if (!row) throw new ApiError(404, "not_found", "No such user.");
      return c.json(toUser(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["users"],
      summary: "Change a user's name, position, status or role (superusers); deactivation ends their logins",
      ...signedIn,
      request: { params: IdParam, body: body(UpdateUser) },
      responses: { 200: json(User, "Updated"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { db } = c.get("database");
      const { results } = await authBatch(c, [q.updateUser(db, id, c.req.valid("json")), q.revokeIfInactive(db, id)], {
        superuser: true,
      });
      const [row] = results[0];
      if (!row) throw new ApiError(404, "not_found", "No such user.");
      return c.json(toUser(row), 200);
    },
  );
