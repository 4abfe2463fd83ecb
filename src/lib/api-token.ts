// API tokens as credentials: their format and scopes, and what a route asks of its caller.
import { sha256Hex } from "./hash";
import { b64url } from "./page";
import type { AccessClaims } from "./router";
import { MAX_INT } from "./schemas";

export const SCOPES = ["timelog:read", "timelog:write", "reports:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * `tl_pat_<owner id>_<43 base64url characters>`: a recognisable prefix for secret scanners, the
 * owner so the request can name its user before the database has checked the token, and 256
 * random bits.
 */
const TOKEN = /^tl_pat_([1-9]\d{0,9})_[A-Za-z0-9_-]{43}$/;

/**
 * An OAuth access token (src/oauth/): an API token of a grant, `tl_oat_<owner>_<audience>_<43>`.
 * The audience is part of what is hashed, so it cannot be changed without the database refusing
 * the token; it lets the request refuse a token meant for the other resource before any query.
 */
const OAUTH_TOKEN = /^tl_oat_([1-9]\d{0,9})_(mcp|api)_[A-Za-z0-9_-]{43}$/;
export type Audience = "mcp" | "api";

export async function tokenClaims(token: string): Promise<AccessClaims | undefined> {
  const oauth = OAUTH_TOKEN.exec(token);
  const owner = oauth?.[1] ?? TOKEN.exec(token)?.[1];
  if (owner === undefined || Number(owner) > MAX_INT) return undefined;
  const claims: AccessClaims = { userId: Number(owner), sessionId: "", tokenHash: await sha256Hex(token) };
  if (oauth) claims.audience = oauth[2] as Audience;
  return claims;
}

export function newToken(userId: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `tl_pat_${userId}_${b64url(String.fromCharCode(...bytes))}`;
}

/**
 * What lists show to tell tokens apart: `tl_pat_<owner>_` and four characters of the secret. Cut
 * after the owner's id, never at the last underscore: base64url secrets contain underscores.
 */
export function tokenPrefix(token: string): string {
  const owner = /^tl_pat_\d+_/.exec(token)?.[0] ?? "tl_pat_";
  return token.slice(0, owner.length + 4);
}

/**
 * What a route asks of its caller, declared next to its path (`...access(…)` in its createRoute,
 * src/auth/middleware.ts) and nowhere else: the request checks it, the document shows it, the
 * README's table lists it. "public": no sign-in at all.
 */
export type Access =
  | "public"
  | {
      /** The scope an API token needs; null: sessions only, a token is refused (insufficient_scope). */
      scope: Scope | null;
      /** A superuser only (with a token: one that also has admin). Otherwise any signed-in user. */
      role?: "superuser";
      /** A superuser only when the request names this query parameter (a report by position). */
      superuserWith?: string;
      /** A read whose cost grows with the range asked for: also counts in the heavy-read budget. */
      heavy?: boolean;
      /**
       * Open to an account the company's require_2fa would otherwise stop (403 2fa_required): what
       * it needs to enrol and to leave (issue 23 §4). The database's login check reads it.
       */
      twoFactorExempt?: boolean;
    };
