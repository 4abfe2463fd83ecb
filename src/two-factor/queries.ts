// The statements of two-factor sign-in; what must not race is in SQL (migrations/0039_two_factor.sql).
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;

/** A new pending secret (409 two_factor_enabled when enabled already); answers the email for the URI. */
export function enrol(db: Db, userId: number, secretEncrypted: string) {
  return db.selectNoFrom(sql<string>`totp_enrol(${userId}::int, ${secretEncrypted})`.as("email"));
}

/** The pending enrolment's secret, to check the first code against. */
export function pendingSecret(db: Db, userId: number) {
  return db
    .selectFrom("user_totp")
    .select("secret_encrypted")
    .where("user_fk", "=", userId)
    .where("confirmed_at", "is", null);
}

export function confirm(db: Db, userId: number, secretEncrypted: string, step: number, recoveryHashes: string[]) {
  // Hex hashes only: safe as an array literal.
  const hashes = `{${recoveryHashes.join(",")}}`;
  return db.selectNoFrom(
    sql<null>`totp_confirm(${userId}::int, ${secretEncrypted}, ${step}::bigint, ${hashes}::text[])`.as("confirmed"),
  );
}

export interface SecondFactor {
  attempt: string;
  is_active: boolean | null;
  fingerprint: string | null;
  password_hash: string | null;
  secret_encrypted: string | null;
  last_step: string | null;
}

/**
 * Reserves a guess (or raises 429) under the same throttle as passwords, then reads what a code
 * is checked against. `client`/`device` are the sign-in's, under their own names ("otp:…"), so
 * code guesses and password guesses of one client are counted apart while the account's budget
 * for unknown clients is shared. `turnstile`: the challenge says the password step passed
 * Turnstile (signed into it, src/auth/jwt.ts), which lets it on past a spent account budget.
 */
export function beginCode(
  db: Db,
  userId: number,
  client: string,
  device: { id: string; userId: number; fingerprint: string } | undefined,
  turnstile: boolean,
) {
  const query = sql<SecondFactor>`
    SELECT a.attempt::text AS attempt, u.is_active, password_fingerprint(u.password_hash) AS fingerprint,
           NULL::text AS password_hash, t.secret_encrypted, t.last_step::text AS last_step
    FROM app_user u
    CROSS JOIN LATERAL (SELECT auth_attempt_begin(u.email, ${`otp:${client}`}, ${device ? `otp-device:${device.id}` : null},
                                                  ${device?.userId ?? null}::int, ${device?.fingerprint ?? null},
                                                  ${turnstile ? true : null}::boolean) AS attempt) a
    LEFT JOIN user_totp t ON t.user_fk = u.id AND t.confirmed_at IS NOT NULL
    WHERE u.id = ${userId}::int`;
  return { compile: () => query.compile(db) };
}

/** Disabling: a password check under this session's budget, and the enabled secret. */
export function beginDisable(db: Db, userId: number, sessionId: string) {
  const query = sql<SecondFactor>`
    SELECT auth_attempt_begin(u.email, '', ${`session:${sessionId}`}, u.id, NULL)::text AS attempt, u.is_active,
           NULL::text AS fingerprint, u.password_hash, t.secret_encrypted, t.last_step::text AS last_step
    FROM app_user u LEFT JOIN user_totp t ON t.user_fk = u.id AND t.confirmed_at IS NOT NULL
    WHERE u.id = ${userId}::int`;
  return { compile: () => query.compile(db) };
}

/** Uses the step or the recovery code once (raises 401 otp_failed when spent); for a sign-in. */
export function useForSignIn(db: Db, userId: number, step: number | null, recoveryHash: string | null, pwf: string) {
  return db.selectNoFrom(sql<null>`totp_use(${userId}::int, ${step}::bigint, ${recoveryHash}, ${pwf})`.as("used"));
}

export function disable(db: Db, userId: number, step: number | null, recoveryHash: string | null) {
  return db.selectNoFrom(sql<null>`totp_disable(${userId}::int, ${step}::bigint, ${recoveryHash})`.as("disabled"));
}

/** A superuser's reset of someone's second factor: 'reset', or null when there is no such person. */
export function reset(db: Db, actorId: number, userId: number) {
  return db.selectNoFrom(sql<string | null>`totp_reset(${actorId}::int, ${userId}::int)`.as("reset"));
}
