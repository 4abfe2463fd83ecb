// Holiday calendars and days; every body is built by the database (holiday_calendar_json,
// holiday_json). The payroll lock and the audit are triggers on the tables (migrations/0028).
import { type Kysely, sql } from "kysely";
import { removed } from "../db/client";
import type { Database } from "../db/schema";
import type { Holiday, HolidayCalendar, HolidayList } from "./schemas";

type Db = Kysely<Database>;

const calendarBody = sql<HolidayCalendar>`holiday_calendar_json(holiday_calendar)`.as("body");

export function listCalendars(db: Db, after: number | undefined, limit: number) {
  const q = db
    .selectFrom("holiday_calendar")
    .select(["id", calendarBody])
    .orderBy("id")
    .limit(limit + 1);
  return after === undefined ? q : q.where("id", ">", after);
}

export const findCalendar = (db: Db, id: number) =>
  db.selectFrom("holiday_calendar").select(calendarBody).where("id", "=", id);

export const insertCalendar = (db: Db, v: { name: string; region?: string | null }) =>
  db.insertInto("holiday_calendar").values(v).returning(calendarBody);

/** A year's days; no row when the calendar does not exist (404), an empty list when it has none. */
export const yearOf = (db: Db, id: number, year: number) =>
  db
    .selectFrom("holiday_calendar")
    .select(
      sql<HolidayList>`jsonb_build_object('items', coalesce((
        SELECT jsonb_agg(holiday_json(h) ORDER BY h.day) FROM holiday h
        WHERE h.calendar_fk = holiday_calendar.id
          AND h.day >= make_date(${year}::int, 1, 1) AND h.day < make_date(${year}::int + 1, 1, 1)), '[]'))`.as("body"),
    )
    .where("id", "=", id);

export const findDay = (db: Db, id: number, day: string) =>
  db
    .selectFrom("holiday")
    .select(sql<Holiday>`holiday_json(holiday)`.as("body"))
    .where("calendar_fk", "=", id)
    .where("day", "=", day);

/**
 * Adds or replaces a day. The body says whether it was new (xmax = 0: no old row version), so
 * the route answers 201 or 200, and a replay under an Idempotency-Key answers the same.
 */
export const putDay = (db: Db, id: number, day: string, v: { name: string; half_day: boolean }) =>
  db
    .insertInto("holiday")
    .values({ calendar_fk: id, day, ...v })
    .onConflict((oc) => oc.columns(["calendar_fk", "day"]).doUpdateSet(v))
    .returning(
      sql<{ created: boolean; holiday: Holiday; etag: string }>`jsonb_build_object('created', holiday.xmax = 0,
        'holiday', holiday_json(holiday), 'etag', api_etag(holiday_json(holiday)))`.as("body"),
    );

export const deleteDay = (db: Db, id: number, day: string) =>
  db.deleteFrom("holiday").where("calendar_fk", "=", id).where("day", "=", day).returning(removed);
