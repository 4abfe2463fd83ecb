import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import type { Adjustment, TimeAccount } from "./schemas";

type Db = Kysely<Database>;
const adjustment = sql<Adjustment>`time_adjustment_json(time_adjustment)`.as("body");

/** The person, their managers and superusers get past this (403 not_manager otherwise). */
export const assertMayRead = (db: Db, viewerId: number, userId: number) =>
  db.selectNoFrom(sql`assert_may_act_for(${viewerId}::int, ${userId}::int)`.as("ok"));

/** The account, built by the database (time_account_json, migrations/0029); no row: no such person. */
export const account = (db: Db, userId: number, from: string, to: string) =>
  db
    .selectNoFrom(sql<TimeAccount>`time_account_json(${userId}::int, ${from}::date, ${to}::date)`.as("body"))
    .where(sql<boolean>`EXISTS (SELECT 1 FROM app_user WHERE id = ${userId}::int)`);

export function listAdjustments(db: Db, userId: number, after: number | undefined, limit: number) {
  const q = db
    .selectFrom("time_adjustment")
    .select(["id", adjustment])
    .where("user_fk", "=", userId)
    .orderBy("id")
    .limit(limit + 1);
  return after === undefined ? q : q.where("id", ">", after);
}

export const insertAdjustment = (
  db: Db,
  actorId: number,
  userId: number,
  v: { date: string; hours: number; reason: string },
) =>
  db
    .insertInto("time_adjustment")
    .values({
      user_fk: userId,
      day: v.date,
      seconds: Math.round(v.hours * 3600),
      reason: v.reason,
      created_by: actorId,
    })
    .returning(adjustment);
