// Password checks are throttled by the database (see migrations/0005_hardening.sql): each one is
// reserved before the password is verified, so parallel guesses cannot exceed the budget, and an
// error while reserving fails the request before any password is checked. This file derives the
// client's key and builds the statements; every password check in the API goes through them.
import type { Context } from "hono";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import { sha256Hex } from "../lib/hash";
import type { AppEnv } from "../lib/router";
import type { Device } from "./tokens";

type Db = Kysely<Database>;

/** The first 64 bits of an IPv6 address: one subscriber usually holds a whole /64. */
function ipv6Prefix(address: string): string {
  // An IPv4 address written as IPv6 (::ffff:192.0.2.1) is that IPv4 address.
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1]) return mapped[1];
  const [head = "", tail] = address.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0");
  return `${[...front, ...zeros, ...back].slice(0, 4).join(":")}::/64`;
}

/**
 * The client, as a bounded hash of Cloudflare's CF-Connecting-IP (which callers cannot forge
 * behind Cloudflare): never a raw header value in the database, whatever its length.
 */
export async function clientKey(c: Context<AppEnv>): Promise<string> {
  const raw = (c.req.header("cf-connecting-ip") ?? "unknown").trim().slice(0, 64).toLowerCase();
  const address = raw.includes(":") ? ipv6Prefix(raw) : raw;
  return `ip:${(await sha256Hex(address)).slice(0, 40)}`;
}

export interface LoginCandidate {
  attempt: string;
  id: number | null;
  password_hash: string | null;
  is_active: boolean | null;
}

/**
 * Reserves a sign-in attempt (or raises 429), then reads the account, in one statement. turnstile:
 * undefined when Turnstile is off, else whether this client passed it (src/auth/turnstile.ts).
 */
export function beginLogin(
  db: Db,
  email: string,
  client: string,
  device: Device | undefined,
  turnstile: boolean | undefined,
) {
  const query = sql<LoginCandidate>`
    SELECT a.attempt::text AS attempt, u.id, u.password_hash, u.is_active
    FROM (SELECT auth_attempt_begin(${email}, ${client}, ${device ? `device:${device.deviceId}` : null},
                                    ${device?.userId ?? null}::int, ${device?.passwordFingerprint ?? null},
                                    ${turnstile ?? null}::boolean) AS attempt) a
    LEFT JOIN app_user u ON lower(u.email) = lower(${email})`;
  return { compile: () => query.compile(db) };
}

/** Reserves a password check by a signed-in session (its own budget), then reads the hash. */
export function beginPasswordCheck(db: Db, userId: number, sessionId: string) {
  return db
    .selectFrom("app_user")
    .select([
      sql<string>`auth_attempt_begin(email, '', ${`session:${sessionId}`}, id, NULL)::text`.as("attempt"),
      "password_hash",
    ])
    .where("id", "=", userId);
}

/** The password was right: the reservation (and this client's earlier failures) stop counting. */
export function attemptSucceeded(db: Db, attempt: string) {
  return db.selectNoFrom(sql<null>`auth_attempt_succeeded(${attempt}::bigint)`.as("done"));
}

/** The user's password fingerprint as it is now (after a rehash in the same batch). */
export function currentFingerprint(db: Db, userId: number) {
  const fingerprint = sql<string>`password_fingerprint(password_hash)`.as("fingerprint");
  return db.selectFrom("app_user").select(fingerprint).where("id", "=", userId);
}

/** Self-registration: the position must be open, and a client creates few accounts an hour. */
export function beginRegistration(db: Db, client: string, positionId: number, perHour: number) {
  return db.selectNoFrom(
    sql<null>`registration_begin(${client}, ${positionId}::int, ${perHour}::int)`.as("registration"),
  );
}
