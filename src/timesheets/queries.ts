// Weekly timesheets. Status changes are the database's functions (timesheet_submit, timesheet_decide
// in migrations/0007_teams.sql), which take the person's lock, so they cannot interleave with edits
// of that person's time. A list computes every (person, week) of the range, touched or not.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import { teamPeople } from "../teams/queries";
import type { Timesheet } from "./schemas";

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
  // A team: as a report sees it (yourself and the members you manage; all for a superuser).
  if (s.teamId !== undefined) return sql`SELECT user_fk AS id FROM (${teamPeople(s.teamId, s.viewerId)}) m`;
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
  const query = sql<{ user_fk: number; week: string; body: Timesheet }>`
    WITH ${bounds(f.from, f.to)},
    people AS (${people(f)}),
    -- Every (person, week) in one set-based pass, as timesheet_json() builds one week (migrations
    -- 0011, 0020): the span is the stored one, else the week in the person's zone bounded by the
    -- neighbouring stored spans; worked time is one probe of the (person, span) index per cell. One
    -- function call per cell was ~2.5 ms on PostgreSQL 15 (SQL functions are planned per call).
    grid AS (
      SELECT p.id AS user_fk, w.week, coalesce(u.time_zone, cs.default_time_zone) AS tz
      FROM people p
      JOIN app_user u ON u.id = p.id
      CROSS JOIN company_settings cs
      CROSS JOIN LATERAL (SELECT generate_series(b.lo, b.hi, interval '1 week')::date AS week FROM bounds b) w
      WHERE (SELECT count(*) FROM people) * (SELECT (hi - lo) / 7 + 1 FROM bounds) <= ${MAX_CELLS}
        AND NOT (SELECT ${refused} FROM bounds b)
    ),
    -- Expected and credited time as timesheet_json() counts them (migrations/0029): one pass of
    -- person_expected_days per person over the whole range, summed by ISO week (a call per cell
    -- was twice as slow on PostgreSQL 15 for 50 people × 12 weeks).
    owed AS (
      SELECT p.id AS user_fk, d.day - (extract(isodow FROM d.day)::int - 1) AS week,
             sum(d.expected_seconds)::bigint AS expected, sum(d.credited_seconds)::bigint AS credited
      FROM people p CROSS JOIN bounds b CROSS JOIN LATERAL person_expected_days(p.id, b.lo, b.hi + 6) d
      WHERE (SELECT count(*) FROM people) * ((b.hi - b.lo) / 7 + 1) <= ${MAX_CELLS} AND NOT ${refused}
      GROUP BY 1, 2
    ),
    -- With automatic break deduction (migration 0031), work_days() once per person over the range;
    -- the one-time filter skips it entirely otherwise.
    deducted AS (
      SELECT p.id AS user_fk, w.day - (extract(isodow FROM w.day)::int - 1) AS week,
             sum(w.deducted_seconds)::bigint AS secs
      FROM people p CROSS JOIN bounds b CROSS JOIN LATERAL work_days(p.id, b.lo, b.hi + 6) w
      WHERE (SELECT break_deduction FROM company_settings) = 'automatic'
        AND (SELECT count(*) FROM people) * ((b.hi - b.lo) / 7 + 1) <= ${MAX_CELLS} AND NOT ${refused}
      GROUP BY 1, 2
    ),
    spanned AS (
      SELECT g.*, s.status, s.submitted_seconds, s.acted_by, s.acted_at, s.comment,
             coalesce(s.span, tstzrange(
               coalesce(upper(prev.span), g.week::timestamp AT TIME ZONE g.tz),
               coalesce(lower(next.span), (g.week + 7)::timestamp AT TIME ZONE g.tz), '[)')) AS span
      FROM grid g
      LEFT JOIN timesheet s ON s.user_fk = g.user_fk AND s.week = g.week
      LEFT JOIN timesheet prev ON prev.user_fk = g.user_fk AND prev.week = g.week - 7
      LEFT JOIN timesheet next ON next.user_fk = g.user_fk AND next.week = g.week + 7
    ),
    cells AS (
      SELECT c.user_fk, c.week, jsonb_build_object('user_fk', c.user_fk, 'week', iso_week(c.week),
               'from', api_time(lower(c.span)), 'to', api_time(upper(c.span)), 'status', coalesce(c.status, 'open'),
               'worked_seconds', x.worked, 'break_deducted_seconds', coalesce(k.secs, 0),
               'expected_seconds', coalesce(e.expected, 0), 'credited_seconds', coalesce(e.credited, 0),
               'balance_seconds', x.worked - coalesce(k.secs, 0) - coalesce(e.expected, 0) + coalesce(e.credited, 0),
               'submitted_seconds', c.submitted_seconds, 'acted_by', c.acted_by, 'acted_at', api_time(c.acted_at),
               'comment', c.comment) AS j
      FROM spanned c
      CROSS JOIN LATERAL (
        SELECT coalesce(round(sum(greatest(0, extract(epoch FROM least(coalesce(t.end_time, now()), upper(c.span), now())
                                                            - greatest(t.start_time, lower(c.span)))))), 0)::bigint AS worked
        FROM timelog t
        WHERE t.user_fk = c.user_fk AND tstzrange(t.start_time, t.end_time, '[)') && c.span
      ) x
      LEFT JOIN owed e ON e.user_fk = c.user_fk AND e.week = c.week
      LEFT JOIN deducted k ON k.user_fk = c.user_fk AND k.week = c.week
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
  db.selectNoFrom(sql<Timesheet>`timesheet_json(${userId}::int, iso_week_monday(${week}))`.as("body"));
