// POST /oauth/token (authorization_code with PKCE, refresh_token with rotation) and POST
// /oauth/revoke (RFC 7009). One round trip each: the database uses the code or refresh token once
// and stores the new pair's hashes in the same transaction (migrations/0051_oauth.sql).
import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { anonymous } from "../db/request";
import type { Audience } from "../lib/api-token";
import { json, noContent } from "../lib/openapi";
import type { AppEnv } from "../lib/router";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import {
  ACCESS_TOKEN_TTL,
  accessPrefix,
  audienceFor,
  hashOf,
  newSecret,
  partsOf,
  resources,
  s256,
  VERIFIER,
} from "./credentials";
import { invalidRequest, OAuthError, oauthAnswer, oauthErrorResponse } from "./errors";
import * as q from "./queries";
import { RevokeForm, TokenForm, TokenResponse } from "./schemas";

const tags = ["oauth"];
const invalidGrant = (why: string) => new OAuthError("invalid_grant", why);

/**
 * The new pair's secrets, made before the round trip (only their hashes go to the database), for
 * the audience the code or refresh token names; a resource parameter, if sent, must agree.
 */
async function newPair(c: Context<AppEnv>, userId: number, audience: Audience, resource: string | undefined) {
  if (resource !== undefined && audienceFor(c, resource) !== audience) {
    throw new OAuthError("invalid_target", "resource is not the one this grant was made for.");
  }
  const access = newSecret("oat", userId, audience);
  const refresh = newSecret("ort", userId, audience);
  const hashes = { accessHash: await hashOf(access), prefix: accessPrefix(access), refreshHash: await hashOf(refresh) };
  return { access, refresh, hashes };
}

async function token(c: Context<AppEnv>, form: z.infer<typeof TokenForm>) {
  const { db } = c.get("database");
  let statement: ReturnType<typeof q.redeemCode>;
  let pair: Awaited<ReturnType<typeof newPair>>;
  if (form.grant_type === "authorization_code") {
    const { code, redirect_uri, code_verifier } = form;
    if (!code || !redirect_uri || !code_verifier) {
      throw new OAuthError("invalid_request", "code, redirect_uri and code_verifier are required.");
    }
    if (!VERIFIER.test(code_verifier))
      throw new OAuthError("invalid_request", "code_verifier is malformed (RFC 7636).");
    const parts = partsOf(code, "oac");
    if (!parts) throw invalidGrant("The code is invalid, expired or used.");
    pair = await newPair(c, parts.userId, parts.audience, form.resource);
    const v = {
      codeHash: await hashOf(code),
      clientId: form.client_id,
      userId: parts.userId,
      redirectUri: redirect_uri,
      challenge: await s256(code_verifier),
      resource: resources(c)[parts.audience],
    };
    statement = q.redeemCode(db, v, pair.hashes);
  } else if (form.grant_type === "refresh_token") {
    if (!form.refresh_token) throw new OAuthError("invalid_request", "refresh_token is required.");
    const parts = partsOf(form.refresh_token, "ort");
    if (!parts) throw invalidGrant("The refresh token is invalid, expired or revoked.");
    pair = await newPair(c, parts.userId, parts.audience, form.resource);
    const v = { oldHash: await hashOf(form.refresh_token), clientId: form.client_id, userId: parts.userId };
    statement = q.refresh(db, { ...v, resource: resources(c)[parts.audience] }, pair.hashes);
  } else {
    throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.");
  }
  const [[issued]] = await anonymous(c, [statement]);
  if (issued?.status === "replayed") throw invalidGrant("The code was used before: everything it issued is revoked.");
  if (issued?.status === "reused") {
    throw invalidGrant("The refresh token was used before: the grant and its tokens are revoked.");
  }
  if (issued?.status !== "ok" || !issued.scopes) throw invalidGrant("The code or refresh token is invalid or expired.");
  c.header("Pragma", "no-cache");
  return c.json(
    {
      access_token: pair.access,
      token_type: "Bearer" as const,
      expires_in: ACCESS_TOKEN_TTL,
      refresh_token: pair.refresh,
      scope: issued.scopes.join(" "),
    },
    200,
  );
}

export const oauthTokens = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/token",
      tags,
      summary: "Trade a code (with its PKCE verifier) or a refresh token for tokens",
      description:
        "Public; form-encoded; client_id always (public clients, no secret). authorization_code: code (one-time, 2 minutes), redirect_uri as at /authorize, code_verifier (S256). A code used twice is refused and revokes everything it issued. refresh_token: rotation: the answer has a new refresh token and the old one is dead; using an old one again revokes the grant. resource (RFC 8707) as at /authorize (<origin>/mcp or <origin>, the default). Access tokens last an hour and work only for their resource. Errors are RFC 6749 JSON, not problem+json. One round trip.",
      ...access("public"),
      request: { body: { required: true, content: { "application/x-www-form-urlencoded": { schema: TokenForm } } } },
      responses: {
        ...problems(429),
        200: json(TokenResponse, "Tokens"),
        400: oauthErrorResponse("invalid_request, invalid_grant, invalid_target, unsupported_grant_type"),
      },
    }),
    async (c) => {
      try {
        return (await token(c, c.req.valid("form" as never) as z.infer<typeof TokenForm>)) as never;
      } catch (err) {
        return oauthAnswer(c, err) as never;
      }
    },
    invalidRequest(),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/revoke",
      tags,
      summary: "Revoke a token (RFC 7009): the grant it belongs to ends, with all its tokens",
      description:
        "Public; form-encoded; token and client_id. Either token of a grant (access or refresh) ends the whole grant at once. An unknown token, or another client's, changes nothing and is answered 200 all the same (RFC 7009 §2.2).",
      ...access("public"),
      request: { body: { required: true, content: { "application/x-www-form-urlencoded": { schema: RevokeForm } } } },
      responses: {
        ...problems(429),
        200: noContent("Revoked, or nothing to revoke"),
        400: oauthErrorResponse("invalid_request"),
      },
    }),
    async (c) => {
      try {
        const form = c.req.valid("form" as never) as z.infer<typeof RevokeForm>;
        await anonymous(c, [q.revokeToken(c.get("database").db, await hashOf(form.token), form.client_id)]);
        return c.body(null, 200) as never;
      } catch (err) {
        return oauthAnswer(c, err) as never;
      }
    },
    invalidRequest(),
  );
