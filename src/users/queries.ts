import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import type { User, UserWithPosition } from "./schemas";

type Db = Kysely<Database>;

/** A person as the API shows them, built by the database's user_json() (also for webhooks). */
const body = sql<User>`user_json(app_user)`.as("body");

export function insertUser(
  db: Db,
  values: { email: string; username: string; position_fk: number; password_hash: string },
  verification: { token: string; hash: string },
) {
  // A taken email inserts nothing (the route answers 409) and queues nothing, instead of failing
  // the batch. A taken username fails it (app_user_username_key, 409 too); the attempt counted in
  // the round trip before. The verification link is issued for the inserted row only. The policy is
  // asked again here (403 registration_closed, 0042): invite_only may have committed while hashing.
  const query = sql<{ body: User; verification: unknown }>`
    WITH u AS (
      INSERT INTO app_user (email, username, position_fk, password_hash)
      SELECT ${values.email}, ${values.username}, ${values.position_fk}::int, ${values.password_hash}
      WHERE registration_still_open()
      ON CONFLICT (lower(email)) DO NOTHING
      RETURNING *)
    SELECT user_json(u) AS body, email_verification_issue(u.id, ${verification.hash}, ${verification.token}) AS verification
    FROM u`;
  return { compile: () => query.compile(db) };
}

/** The session of a new login; the user may be a subquery of the same batch (an accepted invitation). */
export function createSession(db: Db, userId: number | RawBuilder<number>, ttlSeconds: number) {
  return db
    .insertInto("session")
    .values({ user_fk: userId, expires_at: sql`now() + make_interval(secs => ${ttlSeconds})` })
    .returning(["id", "expires_at"]);
}

/**
 * A login's rehash: the same password under today's parameters. Not a password change, so it
 * neither ends pending resets nor emails a notice (the app_user_password_changed trigger, 0037).
 */
export function setPasswordHash(db: Db, userId: number, hash: string) {
  return db.selectNoFrom(sql<null>`password_rehash(${userId}::int, ${hash})`.as("rehashed"));
}

export function rotateRefresh(db: Db, sessionId: string, userId: number, generation: number) {
  return db.selectNoFrom([
    sql<number | null>`refresh_session(${sessionId}::uuid, ${userId}::int, ${generation}::int)`.as("generation"),
    sql<Date>`(SELECT expires_at FROM session WHERE id = ${sessionId}::uuid)`.as("expires_at"),
  ]);
}

export function revokeSession(db: Db, sessionId: string, reason: string) {
  return db
    .updateTable("session")
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null);
}

/** Ends every live login of the user, optionally but one (the caller's own). */
export function revokeUserSessions(db: Db, userId: number, reason: string, exceptSessionId?: string) {
  let q = db
    .updateTable("session")
    .set({ revoked_at: sql`now()`, revoked_reason: reason })
    .where("user_fk", "=", userId)
    .where("revoked_at", "is", null);
  if (exceptSessionId) q = q.where("id", "!=", exceptSessionId);
  return q;
}

export function findUser(db: Db, id: number | RawBuilder<number>) {
  return db.selectFrom("app_user").select(body).where("id", "=", id);
}

/** A user the viewer may see: themselves, or anyone when the viewer is a superuser. */
export function findVisibleUser(db: Db, id: number, viewerId: number) {
  return findUser(db, id).where((eb) =>
    eb.or([eb("app_user.id", "=", viewerId), sql<boolean>`(SELECT user_is_superuser(${viewerId}::int))`]),
  );
}

export function listUsers(db: Db, cursor: number | undefined, limit: number) {
  let q = db
    .selectFrom("app_user")
    .innerJoin("position", "position.id", "app_user.position_fk")
    .select([
      "app_user.id",
      sql<UserWithPosition>`user_json(app_user) || jsonb_build_object('position_title', position.title)`.as("body"),
    ])
    .orderBy("app_user.id")
    .limit(limit + 1);
  if (cursor !== undefined) q = q.where("app_user.id", ">", cursor);
  return q;
}

export function updateUser(
  db: Db,
  id: number,
  patch: Partial<{
    username: string;
    position_fk: number;
    is_active: boolean;
    is_superuser: boolean;
    is_verified: boolean;
    password_hash: string;
    time_zone: string | null;
    weekly_hours: number | null;
    holiday_calendar_fk: number | null;
  }>,
) {
  return db.updateTable("app_user").set(patch).where("id", "=", id).returning(body);
}

/** After a deactivation in the same batch: end the user's logins if they are no longer active. */
export function revokeIfInactive(db: Db, userId: number) {
  return revokeUserSessions(db, userId, "deactivated").where(
    sql<boolean>`NOT (SELECT is_active FROM app_user WHERE id = ${userId}::int)`,
  );
}

/**
 * Revokes every live API token of the user, and the OAuth grants (else their refresh tokens would
 * mint new access tokens); its one row counts the tokens. The grants' trigger (0051) ends their
 * tokens and audits app.revoked with the reason set here (it fires after this statement).
 */
export function revokeUserTokens(db: Db, userId: number) {
  return db
    .with("revoked", (w) =>
      w
        .updateTable("api_token")
        .set({ revoked_at: sql`now()` })
        .where("user_fk", "=", userId)
        .where("revoked_at", "is", null)
        .returning("id"),
    )
    .with("grants", (w) =>
      w
        .updateTable("oauth_grant")
        .set({ revoked_at: sql`now()` })
        .where("user_fk", "=", userId)
        .where("revoked_at", "is", null)
        .returning("id"),
    )
    .selectFrom("revoked")
    .select([
      sql<number>`count(*)::int`.as("tokens_revoked"),
      sql<string>`set_config('timelog.oauth_reason', 'password_changed', true)`.as("reason"),
    ]);
}
