// API tokens as credentials: their format, and the scope each route needs from one.
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

export async function tokenClaims(token: string): Promise<AccessClaims | undefined> {
  const owner = TOKEN.exec(token)?.[1];
  if (owner === undefined || Number(owner) > MAX_INT) return undefined;
  return { userId: Number(owner), sessionId: "", tokenHash: await sha256Hex(token) };
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
 * What a token needs for a request: reports → reports:read; time logs and timesheets →
 * timelog:read / timelog:write; other reads → timelog:read; other writes are superusers' (admin),
 * except a person's own account and tokens, which only a signed-in session may change (null).
 */
export function scopeFor(method: string, path: string): Scope | null {
  const write = !["GET", "HEAD"].includes(method);
  // Tokens are managed by a signed-in person, never by a token: not even listed with one.
  // Nor everyone's: a leaked admin token must not list (or prune) the others.
  if (path.startsWith("/users/me/tokens") || path.startsWith("/tokens")) return null;
  if (path.startsWith("/reports")) return write ? null : "reports:read";
  // Endpoints and deliveries reveal where data goes (URLs often carry credentials): admin only.
  if (path.startsWith("/webhooks")) return "admin";
  if (path.startsWith("/timelog") || path.startsWith("/timesheets")) return write ? "timelog:write" : "timelog:read";
  if (!write) return "timelog:read";
  if (path.startsWith("/users/me") || path.startsWith("/users/logout")) return null;
  return "admin";
}
