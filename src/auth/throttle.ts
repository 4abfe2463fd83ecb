// Password checks are throttled by the database (see migrations/0005_hardening.sql): each one is
// reserved before the password is verified, so parallel guesses cannot exceed the budget, and an
// error while reserving fails the request before any password is checked. This file derives the
// client's key and builds the statements; every password check in the API goes through them.
import type { Context } from "hono";
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import { sha256Hex } from "../lib/hash";
import { clientAddress } from "../lib/rate-limit";
import type { AppEnv } from "../lib/router";
import type { Device } from "./jwt";

type Db = Kysely<Database>;

/**
 * The client, as a bounded hash of Cloudflare's CF-Connecting-IP (which callers cannot forge
 * behind Cloudflare): never a raw header value in the database, whatever its length.
 */
export async function clientKey(c: Context<AppEnv>): Promise<string> {
  return `ip:${(await sha256Hex(clientAddress(c))).slice(0, 40)}`;
}

export interface LoginCandidate {
  attempt: string;
  id: number | null;
  password_hash: string | null;
  is_active: boolean | null;
  /** Two-factor sign-in is enabled: the right password earns a challenge, not a login. */
  two_factor: boolean | null;
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
    SELECT a.attempt::text AS attempt, u.id, u.password_hash, u.is_active,
           EXISTS (SELECT FROM user_totp t WHERE t.user_fk = u.id AND t.confirmed_at IS NOT NULL) AS two_factor
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
export function currentFingerprint(db: Db, userId: number | RawBuilder<number>) {
  const fingerprint = sql<string>`password_fingerprint(password_hash)`.as("fingerprint");
  return db.selectFrom("app_user").select(fingerprint).where("id", "=", userId);
}

/** Self-registration: the position must be open, and a client creates few accounts an hour. */
export function beginRegistration(db: Db, client: string, positionId: number, perHour: number) {
  return db.selectNoFrom(
    sql<null>`registration_begin(${client}, ${positionId}::int, ${perHour}::int)`.as("registration"),
  );
}
