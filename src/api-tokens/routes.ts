import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, writeNoContent } from "../db/request";
import { newToken, tokenPrefix } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/hash";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { type ApiToken, ApiTokenPage, CreateApiToken, NewApiToken, TokenListQuery } from "./schemas";

const tags = ["tokens"];
const notFound = () => new ApiError("not_found", "No such live token.");
const page = (rows: { id: number; body: ApiToken }[], limit: number) => pageOf(rows, limit, (r) => [r.id]);

/** Mounted under /users: your own tokens. Only a signed-in session manages them, never a token. */
export const myTokens = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/me/tokens",
      tags,
      summary: "Create an API token for scripts: the token is shown once, only its hash is kept",
      description:
        "A person holds at most 50 live tokens (422 limit_reached). No Idempotency-Key: a stored response would keep the secret, so the header is refused (422 idempotency_unsupported) rather than ignored; after a lost answer, list your tokens and revoke the one you did not receive. A token cannot create tokens.",
      ...access({ scope: null }),
      request: { body: body(CreateApiToken) },
      responses: { 201: json(NewApiToken, "Created"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      // A retry with a key would otherwise mint a second token while the client thinks it is safe.
      if (c.req.header("idempotency-key") !== undefined) {
        throw new ApiError(
          "idempotency_unsupported",
          "Creating a token does not take an Idempotency-Key (its answer holds the secret, which is never stored); list your tokens after a lost answer instead.",
        );
      }
      const { name, scopes, expires_at } = c.req.valid("json");
      const { userId } = c.get("auth");
      const token = newToken(userId);
      const values = {
        user_fk: userId,
        name,
        scopes,
        prefix: tokenPrefix(token),
        token_hash: await sha256Hex(token),
        expires_at,
      };
      const { results } = await read(c, [q.insertToken(c.get("database").db, values)], { write: true });
      const [row] = results[0];
      if (!row) throw new ApiError("internal", "The token was not stored.");
      return c.json({ ...row.body, token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/tokens",
      tags,
      summary: "Your live API tokens (never the tokens themselves)",
      description:
        "Revoked tokens are left out. Each shows its prefix, name, scopes and expiry; the secret was shown once, when it was created.",
      ...access({ scope: null }),
      request: { query: PageQuery },
      responses: { 200: json(ApiTokenPage, "A page of tokens"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listTokens(c.get("database").db, c.get("auth").userId, idAfter(cursor), limit);
      return c.json(page((await read(c, [query])).results[0], limit), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/tokens/{id}",
      tags,
      summary: "Revoke one of your tokens, at once",
      description: "The token stops working at once. Someone else's token, or one already revoked, is 404.",
      ...access({ scope: null }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Revoked"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = q.revokeToken(c.get("database").db, c.req.valid("param").id, c.get("auth").userId);
      return writeNoContent(c, [], query, notFound);
    },
  );

/** Mounted under /tokens: everyone's tokens, for superusers signed in (never with a token). */
export const allTokens = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Everyone's live API tokens, or one user's (superusers)",
      description:
        "Superusers only, signed in (403; an API token may not list tokens). user_fk narrows the list to one user. Ordered by id: pass next_cursor back as cursor.",
      ...access({ scope: null, role: "superuser" }),
      request: { query: TokenListQuery },
      responses: { 200: json(ApiTokenPage, "A page of tokens"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor, user_fk } = c.req.valid("query");
      const query = q.listTokens(c.get("database").db, user_fk, idAfter(cursor), limit);
      return c.json(page((await read(c, [query])).results[0], limit), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Revoke anyone's token, at once (superusers)",
      description:
        "Superusers only, signed in (403; an API token may not revoke tokens). The token stops working at once; an unknown or already revoked one is 404.",
      ...access({ scope: null, role: "superuser" }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Revoked"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = q.revokeToken(c.get("database").db, c.req.valid("param").id, undefined);
      return writeNoContent(c, [], query, notFound);
    },
  );
