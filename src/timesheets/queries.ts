// Weekly timesheets. Status changes are the database's functions (timesheet_submit, timesheet_decide
// in migrations/0007_teams.sql), which take the person's lock, so they cannot interleave with edits
// of that person's time. A list computes every (person, week) of the range, touched or not.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";

type Db = Kysely<Database>;

/** A list covers at most this many (person, week) cells: narrow the range or the people. */
export const MAX_CELLS = 5_000;
/** …and at most this many weeks (two years and a bit): a longer range is never a screen's worth. */
export const MAX_WEEKS = 106;

export interface Scope {
  viewerId: number;
  userId?: number;
  teamId?: number;
}

/** Only someone who may act for the person (or manages the team) gets past the first statement. */
export function assertScope(db: Db, s: Scope) {
  const check =
    s.userId !== undefined
      ? sql`assert_may_act_for(${s.viewerId}::int, ${s.userId}::int)`
      : s.teamId !== undefined
        ? sql`assert_manages_team(${s.viewerId}::int, ${s.teamId}::int)`
        : sql`NULL`;
  return db.selectNoFrom(check.as("ok"));
}

function people(s: Scope) {
  // A person who does not exist has no weeks (a superuser may name any id).
  if (s.userId !== undefined) return sql`SELECT id FROM app_user WHERE id = ${s.userId}::int`;
  if (s.teamId !== undefined) return sql`SELECT user_fk AS id FROM team_member WHERE team_fk = ${s.teamId}::int`;
  // Yourself, the people you manage, or everyone active for a superuser.
  return sql`SELECT u.id FROM app_user u
    WHERE u.id = ${s.viewerId}::int
       OR (u.is_active AND (user_is_superuser(${s.viewerId}::int) OR manages(${s.viewerId}::int, u.id)))`;
}

const bounds = (from?: string, to?: string) => {
  const thisWeek = sql`iso_week((now() AT TIME ZONE 'UTC')::date)`;
  const lo = from === undefined ? thisWeek : sql`${from}::text`;
  const hi = to === undefined ? lo : sql`${to}::text`;
  return sql`bounds AS (SELECT iso_week_monday(${lo}) AS lo, iso_week_monday(${hi}) AS hi,
    (SELECT (timelog_earliest AT TIME ZONE 'UTC')::date FROM company_settings) AS earliest)`;
};

export interface ListFilter extends Scope {
  from?: string;
  to?: string;
  status?: string;
  after?: { userId: number; week: string };
  limit: number;
}

/** A range the list refuses: backwards, too many weeks, or starting a week before any log may be. */
const refused = sql`(b.hi < b.lo OR (b.hi - b.lo) / 7 + 1 > ${MAX_WEEKS} OR b.lo + 7 <= b.earliest)`;

/** How many cells the list would compute, and what is wrong with its range. */
export function countCells(db: Db, f: ListFilter) {
  const query = sql<{ cells: number; backwards: boolean; weeks: number; before_earliest: boolean; earliest: string }>`
    WITH ${bounds(f.from, f.to)}
    SELECT ((SELECT count(*) FROM (${people(f)}) p) * ((b.hi - b.lo) / 7 + 1))::bigint::float8 AS cells,
           b.hi < b.lo AS backwards, (b.hi - b.lo) / 7 + 1 AS weeks, b.lo + 7 <= b.earliest AS before_earliest,
           b.earliest::text AS earliest
    FROM bounds b`;
  return { compile: () => query.compile(db) };
}

export function listTimesheets(db: Db, f: ListFilter) {
  const after = f.after ? sql`AND (c.user_fk, c.week) > (${f.after.userId}::int, ${f.after.week}::date)` : sql``;
  const status = f.status === undefined ? sql`` : sql`AND c.body->>'status' = ${f.status}`;
  const query = sql<{ user_fk: number; week: string; body: unknown }>`
    WITH ${bounds(f.from, f.to)},
    people AS (${people(f)}),
    cells AS (
      SELECT p.id AS user_fk, w.week, timesheet_json(p.id, w.week) AS j
      FROM people p
      CROSS JOIN LATERAL (SELECT generate_series(b.lo, b.hi, interval '1 week')::date AS week FROM bounds b) w
      WHERE (SELECT count(*) FROM people) * (SELECT (hi - lo) / 7 + 1 FROM bounds) <= ${MAX_CELLS}
        AND NOT (SELECT ${refused} FROM bounds b)
    ),
    summed AS (
      SELECT c.user_fk, c.week, c.j || jsonb_build_object('cumulative_balance_seconds',
               sum((c.j->>'balance_seconds')::bigint) OVER (PARTITION BY c.user_fk ORDER BY c.week)) AS body
      FROM cells c
    )
    SELECT c.user_fk, c.week::text AS week, c.body FROM summed c
    WHERE true ${status} ${after}
    ORDER BY c.user_fk, c.week
    LIMIT ${f.limit + 1}`;
  return { compile: () => query.compile(db) };
}

export const submit = (db: Db, userId: number, week: string) =>
  db.selectNoFrom(sql`(timesheet_submit(${userId}::int, ${week})).status`.as("status"));

export const decide = (
  db: Db,
  actorId: number,
  userId: number,
  week: string,
  decision: "approve" | "reject" | "reopen",
  comment: string | null,
) =>
  db.selectNoFrom(
    sql`(timesheet_decide(${actorId}::int, ${userId}::int, ${week}, ${decision}, ${comment}::text)).status`.as(
      "status",
    ),
  );

/** The week as it now stands: the write's response. */
export const timesheetBody = (db: Db, userId: number, week: string) =>
  db.selectNoFrom(sql<unknown>`timesheet_json(${userId}::int, iso_week_monday(${week}))`.as("body"));
