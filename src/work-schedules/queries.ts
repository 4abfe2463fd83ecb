import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { WorkSchedule } from "./schemas";

type Db = Kysely<Database>;
const body = sql<WorkSchedule>`work_schedule_json(work_schedule)`.as("body");

export interface Owner {
  position_fk?: number;
  user_fk?: number;
}

/** A person's schedules are theirs, their managers' and superusers' to read; a position's everyone's. */
export const assertMayRead = (db: Db, viewerId: number, owner: Owner) =>
  db.selectNoFrom(
    (owner.user_fk === undefined ? sql`NULL` : sql`assert_may_act_for(${viewerId}::int, ${owner.user_fk}::int)`).as(
      "ok",
    ),
  );

export function listSchedules(db: Db, viewerId: number, owner: Owner, after: number | undefined, limit: number) {
  let q = db
    .selectFrom("work_schedule")
    .select(["id", body])
    // Without a filter: every position's, and the people's the viewer may act for.
    .where(sql<boolean>`(position_fk IS NOT NULL OR may_act_for(${viewerId}::int, user_fk))`)
    .orderBy("id")
    .limit(limit + 1);
  if (owner.user_fk !== undefined) q = q.where("user_fk", "=", owner.user_fk);
  if (owner.position_fk !== undefined) q = q.where("position_fk", "=", owner.position_fk);
  if (after !== undefined) q = q.where("id", ">", after);
  return q;
}

export const insertSchedule = (db: Db, v: Owner & { effective_from: string; hours: number[] }) =>
  db
    .insertInto("work_schedule")
    .values({ ...v, hours: sql`${`{${v.hours.join(",")}}`}::numeric[]` })
    .returning(body);

export const deleteSchedule = (db: Db, id: number) =>
  db.deleteFrom("work_schedule").where("id", "=", id).returning(removed);
