import { createRoute } from "@hono/zod-openapi";
import { unauthorized } from "../auth/jwt";
import { access } from "../auth/middleware";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../auth/password";
import { attemptSucceeded, beginPasswordCheck } from "../auth/throttle";
import { ifMatch, tagged } from "../db/conditional";
import { one, read } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdParam, IfMatchHeader, problems } from "../lib/schemas";
import * as q from "./queries";
import { UpdatedMe, UpdateMe, UpdateUser, User, UserPage } from "./schemas";

export const users = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags: ["users"],
      summary: "The signed-in user",
      description: "Your own account, as it is now.",
      ...access({ scope: "timelog:read", twoFactorExempt: true }),
      responses: { 200: json(User, "You"), ...problems(401) },
    }),
    async (c) => {
      return one(c, q.findUser(c.get("database").db, c.get("auth").userId), unauthorized);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: ["users"],
      summary: "Change your username, time zone, or your password (with current_password; ends your other logins)",
      description:
        "Send only the fields to change. A new password needs current_password (403 when it is wrong); wrong guesses are throttled like sign-ins (429). A new password ends your other logins and, unless revoke_tokens is false, revokes your API tokens: tokens_revoked says how many. A username taken by someone else, regardless of case, is 409 username_taken.",
      ...access({ scope: null }),
      request: { headers: IfMatchHeader, body: body(UpdateMe) },
      responses: { 200: json(UpdatedMe, "Updated"), ...problems(401, 403, 409, 422, 429) },
    }),
    async (c) => {
      const { username, time_zone, password, current_password, revoke_tokens } = c.req.valid("json");
      const { userId, sessionId } = c.get("auth");
      const { db } = c.get("database");
      const patch: { username?: string; time_zone?: string | null; password_hash?: string } = { username, time_zone };
      const extra = [];
      if (password !== undefined) {
        // A password check like login's, under the same throttle (this session's own budget):
        // reserve the attempt and read the hash, verify here, then write (two round trips).
        const { results } = await read(c, [beginPasswordCheck(db, userId, sessionId)], { write: true });
        const [found] = results[0];
        if (!(await verifyPassword(current_password ?? "", found?.password_hash ?? DUMMY_HASH)).ok || !found) {
          throw new ApiError("wrong_password", "current_password is not right.");
        }
        patch.password_hash = await hashPassword(password);
        extra.push(
          q.revokeUserSessions(db, userId, "password_changed", sessionId),
          attemptSucceeded(db, found.attempt),
        );
      }
      // Last, so its count is the answer's: a new password also ends the tokens, unless kept.
      const tokens = password !== undefined && revoke_tokens ? [q.revokeUserTokens(db, userId)] : [];
      const { checks } = ifMatch(c, "app_user", userId, q.findUser(db, userId));
      const updated = tagged(q.updateUser(db, userId, patch));
      const { results } = await read(c, [updated, ...extra, ...tokens], { write: true, checks });
      const [row] = results[0];
      if (!row) throw unauthorized();
      c.header("ETag", row.etag);
      if (password === undefined) return c.json(row.body, 200);
      const counted = tokens.length > 0 ? (results.at(-1)?.[0] as { tokens_revoked: number } | undefined) : undefined;
      return c.json({ ...row.body, tokens_revoked: counted?.tokens_revoked ?? 0 }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["users"],
      summary: "All users with their position (superusers)",
      description: "Superusers only (403). Ordered by id, a page at a time: pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read", role: "superuser" }),
      request: { query: PageQuery },
      responses: { 200: json(UserPage, "A page of users"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const query = q.listUsers(c.get("database").db, idAfter(cursor), limit);
      const { results } = await read(c, [query]);
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
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
      description: "Anyone but yourself is 404 unless you are a superuser.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(User, "The user"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const visible = q.findVisibleUser(c.get("database").db, id, c.get("auth").userId);
      return one(c, visible, () => new ApiError("not_found", "No such user."));
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["users"],
      summary: "Change a user's name, position, status or role (superusers); deactivation ends their logins",
      description:
        "Superusers only (403). Send only the fields to change; is_active false ends all of the user's logins at once and revokes their API tokens for good (a reactivation does not revive them). With an API token (admin scope), is_superuser cannot change and the token's own owner cannot be changed (403 insufficient_scope, required_scope null): sign in for that. A username taken regardless of case is 409 username_taken. holiday_calendar_fk gives the person their own public holidays (null: the company's); an unknown calendar is 422 unknown_holiday_calendar; 409 period_locked when the old and new calendars differ (a holiday in one only, or full vs half day) on a date from the person's account start on that lies before the payroll lock or in one of their submitted or approved weeks.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: IfMatchHeader, body: body(UpdateUser) },
      responses: { 200: json(User, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { db } = c.get("database");
      const { checks } = ifMatch(c, "app_user", id, q.findVisibleUser(db, id, c.get("auth").userId));
      const updated = tagged(q.updateUser(db, id, c.req.valid("json")));
      const { results } = await read(c, [updated, q.revokeIfInactive(db, id)], { write: true, checks });
      const [row] = results[0];
      if (!row) throw new ApiError("not_found", "No such user.");
      c.header("ETag", row.etag);
      return c.json(row.body, 200);
    },
  );
