// Access and refresh tokens: RS256 JWTs with a `kid`, verified against the configured keys with
// the algorithm pinned; `exp`, `iss`, `aud` and the token's use are all required.
import { decode, sign, verify } from "hono/jwt";
import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import type { Config } from "../config";
import { ApiError } from "../lib/errors";
import type { AccessClaims } from "../lib/router";

const ALG = "RS256" as const;
const PRIVATE_FIELDS = ["d", "p", "q", "dp", "dq", "qi"];

interface Keys {
  signing: HonoJsonWebKey;
  verifying: HonoJsonWebKey[];
  /**
   * The verifying keys imported once per isolate, by kid: importing a JWK costs more CPU than
   * verifying a signature, and every authenticated request verifies one.
   */
  imported: Map<string, Promise<CryptoKey>>;
}
const keyCache = new WeakMap<Config, Keys>();

function misconfigured(what: string): never {
  console.error(`invalid settings: ${what}`);
  throw new ApiError("misconfigured", `The server is misconfigured (${what}).`);
}

export function keysOf(settings: Config): Keys {
  let keys = keyCache.get(settings);
  if (keys) return keys;
  let signing: HonoJsonWebKey;
  try {
    signing = JSON.parse(settings.JWT_PRIVATE_KEY) as HonoJsonWebKey;
  } catch {
    misconfigured("JWT_PRIVATE_KEY: not JSON");
  }
  if (signing.kty !== "RSA" || !signing.d || !signing.kid)
    misconfigured("JWT_PRIVATE_KEY: needs an RSA private JWK with kid");
  signing = { ...signing, alg: ALG };
  const current = Object.fromEntries(
    Object.entries(signing).filter(([k]) => !PRIVATE_FIELDS.includes(k)),
  ) as HonoJsonWebKey;
  let older: HonoJsonWebKey[] = [];
  if (settings.JWT_PUBLIC_KEYS) {
    try {
      older = (JSON.parse(settings.JWT_PUBLIC_KEYS) as { keys: HonoJsonWebKey[] }).keys;
    } catch {
      misconfigured("JWT_PUBLIC_KEYS: not a JWKS");
    }
  }
  keys = { signing, verifying: [current, ...older.filter((k) => k.kid !== current.kid)], imported: new Map() };
  keyCache.set(settings, keys);
  return keys;
}

export interface RefreshClaims extends AccessClaims {
  generation: number;
}

export async function issueTokens(settings: Config, claims: RefreshClaims, sessionExpires: Date) {
  const now = Math.floor(Date.now() / 1000);
  const common = {
    sub: String(claims.userId),
    sid: claims.sessionId,
    iss: settings.JWT_ISSUER,
    aud: settings.JWT_AUDIENCE,
    iat: now,
  };
  const { signing } = keysOf(settings);
  const access_token = await sign({ ...common, use: "access", exp: now + settings.ACCESS_TOKEN_TTL }, signing, ALG);
  const refresh_token = await sign(
    { ...common, use: "refresh", gen: claims.generation, exp: Math.floor(sessionExpires.getTime() / 1000) },
    signing,
    ALG,
  );
  return { access_token, refresh_token, token_type: "bearer" as const, expires_in: settings.ACCESS_TOKEN_TTL };
}

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

function publicKey(settings: Config, kid: unknown): Promise<CryptoKey> | undefined {
  const { verifying, imported } = keysOf(settings);
  const jwk = verifying.find((k) => k.kid === kid);
  if (!jwk || typeof kid !== "string") return undefined;
  let key = imported.get(kid);
  if (!key) {
    key = crypto.subtle.importKey("jwk", jwk as JsonWebKey, RS256, false, ["verify"]);
    imported.set(kid, key);
  }
  return key;
}

/** Signature (RS256 only, by the header's kid), expiry, issuer and audience; throws otherwise. */
async function verifyJwt(
  settings: Config,
  token: string,
  aud = settings.JWT_AUDIENCE,
): Promise<Record<string, unknown>> {
  const key = publicKey(settings, decode(token).header.kid);
  if (!key) throw new Error("unknown kid");
  return verify(token, await key, { alg: ALG, iss: settings.JWT_ISSUER, aud });
}

const unauthorized = () => new ApiError("invalid_token", "The token is missing, invalid or expired.");

async function verifyToken(settings: Config, token: string, use: "access" | "refresh") {
  let payload: Record<string, unknown>;
  try {
    payload = await verifyJwt(settings, token);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw unauthorized();
  }
  const userId = Number(payload.sub);
  const { sid, exp } = payload;
  if (
    payload.use !== use ||
    typeof exp !== "number" ||
    typeof sid !== "string" ||
    !Number.isInteger(userId) ||
    userId < 1
  ) {
    throw unauthorized();
  }
  if (!/^[0-9a-f-]{36}$/.test(sid)) throw unauthorized();
  return { payload, claims: { userId, sessionId: sid } };
}

/**
 * Access tokens this isolate has verified, until they expire: an RS256 verification is the
 * largest part of a signed-in request's CPU, and a client sends the same token many times. The
 * key is the whole token, signature included, so only a byte-identical token hits; whether its
 * login is still live is the database's check on every request (logout, deactivation), not this.
 */
const verified = new Map<string, { settings: Config; claims: AccessClaims; exp: number }>();
const MAX_VERIFIED = 2_000;

export async function verifyAccessToken(settings: Config, token: string): Promise<AccessClaims> {
  const hit = verified.get(token);
  if (hit && hit.settings === settings && hit.exp > Date.now() / 1000) return hit.claims;
  const { payload, claims } = await verifyToken(settings, token, "access");
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
  verified.set(token, { settings, claims, exp: payload.exp as number });
  return claims;
}

export async function verifyRefreshToken(settings: Config, token: string): Promise<RefreshClaims> {
  const { payload, claims } = await verifyToken(settings, token, "refresh");
  if (typeof payload.gen !== "number" || !Number.isInteger(payload.gen)) throw unauthorized();
  return { ...claims, generation: payload.gen };
}

export { unauthorized };

/**
 * A device token, given out on a successful sign-in (OWASP's device cookie): a client that
 * presents one for the account it signs in to has its own guess budget, so strangers' failures
 * cannot lock it out. It grants nothing else.
 */
export const DEVICE_TOKEN_TTL = 365 * 86_400;

export interface Device {
  userId: number;
  deviceId: string;
  /** A fingerprint of the password hash it was issued under: a new password revokes the device. */
  passwordFingerprint: string;
}

export async function issueDeviceToken(settings: Config, device: Device) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: String(device.userId),
    did: device.deviceId,
    pwf: device.passwordFingerprint,
    use: "device",
    iss: settings.JWT_ISSUER,
    aud: settings.JWT_AUDIENCE,
    iat: now,
    exp: now + DEVICE_TOKEN_TTL,
  };
  return sign(claims, keysOf(settings).signing, ALG);
}

/** The device a token names, or undefined for anything that is not a valid device token. */
export async function verifyDeviceToken(settings: Config, token: string | undefined): Promise<Device | undefined> {
  if (!token || token.length > 4096) return undefined;
  try {
    const payload = await verifyJwt(settings, token);
    const userId = Number(payload.sub);
    const did = payload.did;
    const pwf = payload.pwf;
    if (payload.use !== "device" || typeof did !== "string" || !/^[0-9a-f-]{36}$/.test(did)) return undefined;
    if (typeof pwf !== "string" || !/^[0-9a-f]{16}$/.test(pwf)) return undefined;
    if (!Number.isInteger(userId) || userId < 1 || typeof payload.exp !== "number") return undefined;
    return { userId, deviceId: did, passwordFingerprint: pwf };
  } catch {
    return undefined;
  }
}

/**
 * A sign-in challenge (issue 23 §4): the password was right, a second factor is asked for. Its
 * own audience and use, so no check of an access, refresh or device token can ever accept it (nor
 * it one of those); it names the user, the password it was issued under and the device, and
 * lives five minutes.
 */
export const CHALLENGE_TTL = 300;
const challengeAudience = (settings: Config) => `${settings.JWT_AUDIENCE}:otp-challenge`;

export interface Challenge {
  userId: number;
  passwordFingerprint: string;
  deviceId: string;
  /** The password step passed Turnstile: the code step may go on over the unknown-client budget. */
  turnstile: boolean;
}

export async function issueChallenge(settings: Config, challenge: Challenge) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: String(challenge.userId),
    pwf: challenge.passwordFingerprint,
    did: challenge.deviceId,
    tsp: challenge.turnstile,
    use: "otp_challenge",
    iss: settings.JWT_ISSUER,
    aud: challengeAudience(settings),
    iat: now,
    exp: now + CHALLENGE_TTL,
  };
  return sign(claims, keysOf(settings).signing, ALG);
}

/** The challenge a token is, or undefined for anything else (forged, expired, another kind). */
export async function verifyChallenge(settings: Config, token: string): Promise<Challenge | undefined> {
  if (token.length > 4096) return undefined;
  try {
    const payload = await verifyJwt(settings, token, challengeAudience(settings));
    const userId = Number(payload.sub);
    const { did, pwf } = payload;
    if (payload.use !== "otp_challenge" || typeof did !== "string" || !/^[0-9a-f-]{36}$/.test(did)) return undefined;
    if (typeof pwf !== "string" || !/^[0-9a-f]{16}$/.test(pwf)) return undefined;
    if (!Number.isInteger(userId) || userId < 1 || typeof payload.exp !== "number") return undefined;
    return { userId, passwordFingerprint: pwf, deviceId: did, turnstile: payload.tsp === true };
  } catch {
    return undefined;
  }
}

/**
 * A short-lived signed statement for one purpose (its own audience, so no other check accepts
 * it): the OAuth consent form's request, bound to its parameters (src/oauth/).
 */
export async function signFor(settings: Config, purpose: string, claims: Record<string, unknown>, ttl: number) {
  const now = Math.floor(Date.now() / 1000);
  const aud = `${settings.JWT_AUDIENCE}:${purpose}`;
  return sign(
    { ...claims, use: purpose, iss: settings.JWT_ISSUER, aud, iat: now, exp: now + ttl },
    keysOf(settings).signing,
    ALG,
  );
}

/** The claims of a statement signFor made for this purpose, or undefined (forged, expired, other). */
export async function verifyFor(settings: Config, purpose: string, token: string) {
  if (token.length > 8192) return undefined;
  try {
    const payload = await verifyJwt(settings, token, `${settings.JWT_AUDIENCE}:${purpose}`);
    return payload.use === purpose ? payload : undefined;
  } catch {
    return undefined;
  }
}
