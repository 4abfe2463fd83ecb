import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Invitation } from "./schemas";

type Db = Kysely<Database>;

/** Permissions, the one live invitation per address, the email and the audit: invitation_create() (0038). */
export function createInvitation(
  db: Db,
  actor: number,
  input: { email: string; position_fk?: number; team_fk?: number; role: string },
  link: { token: string; hash: string },
) {
  return db.selectNoFrom(
    sql<Invitation>`invitation_create(${actor}::int, ${input.email}, ${input.position_fk ?? null}::int,
      ${input.team_fk ?? null}::int, ${input.role}, ${link.hash}, ${link.token})`.as("body"),
  );
}

/** Revoke (no link) or resend with a new link; no row when the caller may not see it (404). */
export function renewInvitation(db: Db, actor: number, id: number, link?: { token: string; hash: string }) {
  // The function answers NULL for an invitation the caller may not see: filtered to no row.
  const body = sql<Invitation>`invitation_renew(${actor}::int, ${id}::int, ${link?.hash ?? null}, ${link?.token ?? null})`;
  return db
    .selectFrom(db.selectNoFrom(body.as("body")).as("r"))
    .select("r.body")
    .where("r.body", "is not", null);
}

export function listInvitations(
  db: Db,
  viewer: number,
  status: string | undefined,
  before: number | undefined,
  limit: number,
) {
  let q = db
    .selectFrom("invitation")
    .select(["invitation.id", sql<Invitation>`invitation_json(invitation)`.as("body")])
    .where(sql<boolean>`invitation_visible(${viewer}::int, invitation)`)
    .orderBy("invitation.id", "desc")
    .limit(limit + 1);
  if (status !== undefined) q = q.where(sql<boolean>`invitation_status(invitation) = ${status}`);
  if (before !== undefined) q = q.where("invitation.id", "<", before);
  return q;
}

/** The accepting client's budget (no hashing before it). */
export function beginAccept(db: Db, client: string, perHour: number) {
  return db.selectNoFrom(sql<null>`invitation_accept_begin(${client}, ${perHour}::int)`.as("accept"));
}

/** The account from the invitation; its id for the statements after it in the same batch. */
export function acceptInvitation(db: Db, hash: string, username: string, passwordHash: string) {
  return db.selectNoFrom(sql<number>`invitation_accept(${hash}, ${username}, ${passwordHash})`.as("user_id"));
}

/** The account just created by acceptInvitation, in the same batch. */
export const acceptedUser = (hash: string) =>
  sql<number>`(SELECT accepted_user_fk FROM invitation WHERE token_hash = ${hash})`;
