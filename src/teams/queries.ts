// Teams and memberships. Everyone reads the teams they belong to; superusers read and write all.
// Each response body is JSON built by the database.
import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Member, Team } from "./schemas";

type Db = Kysely<Database>;

// The database's team_json() and team_member_json() (0047), which the sync feed answers with too.
const teamJson = sql<Team>`team_json(team)`.as("body");
const memberJson = sql<Member>`team_member_json(team_member)`.as("body");

/** Superusers see every team; others the teams they are in. */
const visible = (viewerId: number) =>
  sql<boolean>`(user_is_superuser(${viewerId}::int)
    OR EXISTS (SELECT 1 FROM team_member v WHERE v.team_fk = team.id AND v.user_fk = ${viewerId}::int))`;

export function listTeams(db: Db, viewerId: number, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("team")
    .select(["team.id", teamJson])
    .where(visible(viewerId))
    .orderBy("team.id")
    .limit(limit + 1);
  if (after !== undefined) q = q.where("team.id", ">", after);
  return q;
}

export const findTeam = (db: Db, id: number, viewerId: number) =>
  db.selectFrom("team").select(["team.id", teamJson]).where("team.id", "=", id).where(visible(viewerId));

export const insertTeam = (db: Db, v: { name: string; description?: string | null }) =>
  db.insertInto("team").values(v).returning(teamJson);

export const updateTeam = (db: Db, id: number, v: { name?: string; description?: string | null }) =>
  db.updateTable("team").set(v).where("id", "=", id).returning(teamJson);

export const deleteTeam = (db: Db, id: number) => db.deleteFrom("team").where("id", "=", id).returning(removed);

export function listMembers(db: Db, teamId: number, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("team_member")
    .select(["team_member.user_fk", memberJson])
    .where("team_member.team_fk", "=", teamId)
    .orderBy("team_member.user_fk")
    .limit(limit + 1);
  if (after !== undefined) q = q.where("team_member.user_fk", ">", after);
  return q;
}

export const putMember = (db: Db, teamId: number, userId: number, role: "member" | "manager") =>
  db
    .insertInto("team_member")
    .values({ team_fk: teamId, user_fk: userId, role })
    .onConflict((oc) => oc.columns(["team_fk", "user_fk"]).doUpdateSet({ role }))
    .returning(memberJson);

export const deleteMember = (db: Db, teamId: number, userId: number) =>
  db.deleteFrom("team_member").where("team_fk", "=", teamId).where("user_fk", "=", userId).returning(removed);

/**
 * A team's people as the viewer may see them: a superuser all; a manager themself and the members
 * they manage (not co-managers: manages() in migrations/0020).
 */
export const teamPeople = (teamId: number, viewerId: number) =>
  sql`SELECT m.user_fk FROM team_member m WHERE m.team_fk = ${teamId}::int
      AND (m.user_fk = ${viewerId}::int OR (SELECT user_is_superuser(${viewerId}::int)) OR manages(${viewerId}::int, m.user_fk))`;
