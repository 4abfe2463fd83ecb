// OAuth's values: the two resources (audiences) a token may be for, scopes as OAuth spells them,
// PKCE's S256, and the formats of codes and tokens. Each secret names its owner (so the token
// endpoint can make the owner's new access token before the database has checked anything) and
// is kept only as its SHA-256.
import type { Context } from "hono";
import { type Audience, SCOPES, type Scope } from "../lib/api-token";
import { sha256Hex } from "../lib/hash";
import { b64url } from "../lib/page";
import type { AppEnv } from "../lib/router";

export const ACCESS_TOKEN_TTL = 3600;

/** The resources of this deployment: the MCP server, and the REST API (the origin itself). */
export function resources(c: Context<AppEnv>): Record<Audience, string> {
  const origin = new URL(c.req.url).origin;
  return { mcp: `${origin}/mcp`, api: origin };
}

/** RFC 8707: the audience a resource indicator names (no resource: the API), or undefined. */
export function audienceFor(c: Context<AppEnv>, resource: string | undefined): Audience | undefined {
  const known = resources(c);
  if (resource === undefined) return "api";
  const trimmed = resource.endsWith("/") ? resource.slice(0, -1) : resource;
  if (trimmed === known.mcp) return "mcp";
  if (trimmed === known.api) return "api";
  return undefined;
}

/** A space-separated scope parameter; undefined when it names a scope we do not have. */
export function parseScopes(scope: string | undefined): Scope[] | undefined {
  if (scope === undefined || scope.trim() === "") return ["timelog:read", "timelog:write"];
  const names = [...new Set(scope.trim().split(/ +/))];
  if (!names.every((n): n is Scope => (SCOPES as readonly string[]).includes(n))) return undefined;
  return SCOPES.filter((s) => names.includes(s));
}

const random = () => b64url(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

/** PKCE S256 (RFC 7636 §4.2): BASE64URL(SHA-256(verifier)). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return b64url(String.fromCharCode(...new Uint8Array(digest)));
}

export const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export const newClientId = () => `tlc_${random().slice(0, 22)}`;
/** Codes (oac), access tokens (oat) and refresh tokens (ort) name their owner and audience. */
type Kind = "oac" | "oat" | "ort";
export const newSecret = (kind: Kind, userId: number, audience: Audience) =>
  `tl_${kind}_${userId}_${audience}_${random()}`;

/** The owner and audience a code or refresh token names (undefined for anything else). */
export function partsOf(secret: string, kind: Kind): { userId: number; audience: Audience } | undefined {
  const m = new RegExp(`^tl_${kind}_([1-9]\\d{0,9})_(mcp|api)_[A-Za-z0-9_-]{43}$`).exec(secret);
  if (!m || Number(m[1]) > 2_147_483_647) return undefined;
  return { userId: Number(m[1]), audience: m[2] as Audience };
}

/** What lists show of an access token: its kind, owner and audience, and four characters. */
export const accessPrefix = (token: string) => token.replace(/^(tl_oat_\d+_[a-z]+_.{4}).*$/, "$1");

export const hashOf = sha256Hex;
