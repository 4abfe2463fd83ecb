// Who is calling: a bearer token (mobile apps) or the auth_cookie (browsers). Only the signature
// is checked here; that the login is still live is checked by the database inside the request's
// one round trip (`read`/`write` in src/db/request.ts), so logout, deactivation and refresh-token
// reuse take effect at once.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { tokenClaims } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { heavyKey, rateLimit } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import { unauthorized, verifyAccessToken } from "./tokens";

export const AUTH_COOKIE = "auth_cookie";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  let token: string | undefined;
  if (header !== undefined) {
    const bearer = /^Bearer +(\S+)$/i.exec(header)?.[1] ?? "";
    if (bearer.startsWith("tl_pat_")) {
      // An API token: its format here, everything else in the database (auth_guard_token).
      const claims = await tokenClaims(bearer);
      if (!claims) throw unauthorized();
      c.set("auth", claims);
      return next();
    }
    token = /^([\w-]+\.[\w-]+\.[\w-]+)$/.exec(bearer)?.[1];
  } else {
    token = getCookie(c, AUTH_COOKIE);
    if (token && !SAFE_METHODS.has(c.req.method)) checkOrigin(c);
  }
  if (!token) throw unauthorized();
  c.set("auth", await verifyAccessToken(c.get("settings"), token));
  await next();
});

/** CSRF: a cookie rides along on cross-site requests, so unsafe ones must come from a known origin. */
export function checkOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  const own = new URL(c.req.url).origin;
  if (!origin || (origin !== own && !c.get("settings").CORS_ORIGINS.includes(origin))) {
    throw new ApiError("csrf_rejected", "Cookie-authenticated requests must come from an allowed Origin.");
  }
}

/** Spread into a route: it needs a signed-in caller. */
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];
export const signedIn = { security, middleware: requireAuth };

/** Reads whose cost grows with the range asked for also count in a small per-person bucket. */
const heavy = createMiddleware<AppEnv>(async (c, next) => {
  await rateLimit(c, "heavy", heavyKey(c.get("auth")));
  await next();
});
/** Spread into a heavy read's route: signed in, and within the person's heavy-read budget. */
export const signedInHeavy = { security, middleware: [requireAuth, heavy] };
