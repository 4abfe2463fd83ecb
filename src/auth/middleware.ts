// Who is calling: a bearer token (mobile apps) or the auth_cookie (browsers). Only the signature
// is checked here; that the login is still live is checked by the database inside the request's
// one round trip (`read`/`write` in src/db/request.ts), so logout, deactivation and refresh-token
// reuse take effect at once.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { type Access, type Scope, tokenClaims } from "../lib/api-token";
import { ApiError } from "../lib/errors";
import { heavyKey, rateLimit } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import { unauthorized, verifyAccessToken } from "./jwt";

export const AUTH_COOKIE = "auth_cookie";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  let token: string | undefined;
  if (header !== undefined) {
    const bearer = /^Bearer +(\S+)$/i.exec(header)?.[1] ?? "";
    if (bearer.startsWith("tl_pat_") || bearer.startsWith("tl_oat_")) {
      // An API token: its format here, everything else in the database (auth_guard_token). An
      // OAuth one (src/oauth/) is also bound to its resource: /mcp, or the rest of the API.
      const claims = await tokenClaims(bearer);
      if (!claims) throw unauthorized();
      const resource = mcpCalls.has(c.req.raw) ? "mcp" : audienceOf(c.req.path);
      if (claims.audience !== undefined && claims.audience !== resource) {
        throw new ApiError("invalid_token", "This token was issued for another resource.");
      }
      c.set("auth", claims);
      return next();
    }
    token = /^([\w-]+\.[\w-]+\.[\w-]+)$/.exec(bearer)?.[1];
  } else {
    token = getCookie(c, AUTH_COOKIE);
    if (token && !SAFE_METHODS.has(c.req.method)) checkOrigin(c);
  }
  if (!token) throw unauthorized();
  c.set("auth", await verifyAccessToken(c.get("config"), token));
  await next();
});

/**
 * The requests /mcp's tools make to our own routes (src/mcp/dispatch.ts), with the caller's
 * Authorization: they are the MCP resource's, so an /mcp token passes there and nowhere else. A
 * set of the Request objects themselves: nothing a client sends can put a request in it.
 */
export const mcpCalls = new WeakSet<Request>();

/** Which OAuth resource a path belongs to (src/oauth/resource.ts names them). */
export const audienceOf = (path: string) => (path === "/mcp" || path.startsWith("/mcp/") ? "mcp" : "api");

/** CSRF: a cookie rides along on cross-site requests, so unsafe ones must come from a known origin. */
export function checkOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  const own = new URL(c.req.url).origin;
  if (!origin || (origin !== own && !c.get("config").CORS_ORIGINS.includes(origin))) {
    throw new ApiError("csrf_rejected", "Cookie-authenticated requests must come from an allowed Origin.");
  }
}

/** Reads whose cost grows with the range asked for also count in a small per-person bucket. */
const heavy = createMiddleware<AppEnv>(async (c, next) => {
  await rateLimit(c, "heavy", heavyKey(c.get("auth")));
  await next();
});

/** A public route's declaration; routes outside the document (GET /docs, /openapi.json) name it. */
export const publicRoute = createMiddleware<AppEnv>(async (c, next) => {
  c.set("access", "public");
  await next();
});

/** A route's declaration as its createRoute carries it: for the router and for the document. */
interface Declared {
  security: Record<string, string[]>[];
  middleware: MiddlewareHandler<AppEnv>[];
  "x-required-role": "public" | "user" | "superuser";
  "x-required-scope"?: Scope | null;
  "x-superuser-with"?: string;
  "x-two-factor-exempt"?: true;
}

/**
 * What a route asks of its caller, spread into its createRoute beside its path:
 * `...access({ scope: "timelog:write" })`, `...access({ scope: "admin", role: "superuser" })`,
 * `...access({ scope: null })` (sessions only), `...access("public")`. The one place it is said:
 * the request carries the declaration to read()/write() (src/db/request.ts), which hand it to
 * the database's check, and the document shows it (x-required-scope, x-required-role, and the
 * security requirement's scopes). `more`: the route's own middleware, run after the sign-in.
 */
export function access(rule: Access, ...more: MiddlewareHandler<AppEnv>[]): Declared {
  if (rule === "public") return { security: [], "x-required-role": "public", middleware: [publicRoute, ...more] };
  const signIn = createMiddleware<AppEnv>(async (c, next) => {
    c.set("access", rule);
    return requireAuth(c, next);
  });
  // OpenAPI 3.1 lets a non-oauth2 requirement list the scopes or roles it needs. A JWT bearer
  // (an app's login) has no scopes: only an API token's are checked.
  const roles = rule.role === "superuser" ? ["superuser"] : [];
  return {
    security: [{ bearer: rule.scope === null ? roles : [rule.scope, ...roles] }, { cookie: roles }],
    "x-required-scope": rule.scope,
    "x-required-role": rule.role ?? "user",
    ...(rule.superuserWith !== undefined && { "x-superuser-with": rule.superuserWith }),
    ...(rule.twoFactorExempt === true && { "x-two-factor-exempt": true as const }),
    middleware: [signIn, ...(rule.heavy ? [heavy] : []), ...more],
  };
}
