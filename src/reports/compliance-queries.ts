// The compliance report: per person and local date (in the person's zone), the violations of the
// company's break and working-time rules. Worked time and breaks come from the database's
// work_days() (migrations/0030), the rule the time account counts with too.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema";
import { teamPeople } from "../teams/queries";
import { MAX_RANGE_DAYS } from "./schemas";

type Db = Kysely<Database>;

export interface ComplianceFilter {
  viewerId: number;
  userId?: number;
  teamId?: number;
  /** Local dates, both included. */
  from: string;
  to: string;
}

/**
 * Who is reported on: one person, a team's people the caller may see, or else the caller (all
 * people for a superuser). The checks that the caller may name them are scopeCheck's (queries.ts).
 */
function people(f: ComplianceFilter) {
  const parts = [
    f.userId !== undefined
      ? sql`u.id = ${f.userId}::int`
      : f.teamId !== undefined
        ? sql`u.id IN (${teamPeople(f.teamId, f.viewerId)})`
        : sql`(u.id = ${f.viewerId}::int OR (SELECT user_is_superuser(${f.viewerId}::int)))`,
  ];
  if (f.userId !== undefined && f.teamId !== undefined) parts.push(sql`u.id IN (${teamPeople(f.teamId, f.viewerId)})`);
  return sql.join(parts, sql` AND `);
}

/**
 * The violations, one row per violation (o orders them within a day), for a range rangeCheck
 * allowed. Only people with a log near the range are computed:
 * a day before and after in UTC covers every zone's dates.
 *   break_short: taken < required (work_days); minutes rounded down.
 *   over_max_daily: worked (before any automatic deduction: the time actually at work) > max;
 *     worked_hours rounded up to the hundredth, so it shows above the maximum.
 *   rest_short: the first log that starts on the date, against the end of the log before it
 *     (whenever that was, also before the range). Using whole logs rather than the date's clipped
 *     pieces means a night shift across midnight is not a rest of 0 h; rest_hours rounded down.
 */
function violations(f: ComplianceFilter) {
  return sql`
    limits AS (SELECT max_daily_hours, min_rest_hours FROM company_settings),
    people AS (
      SELECT u.id, u.username, user_time_zone(u.id) AS tz
      FROM app_user u
      WHERE ${people(f)} AND u.id IN (
        SELECT t.user_fk FROM timelog t WHERE tstzrange(t.start_time, t.end_time, '[)')
          && tstzrange((${f.from}::date - 1)::timestamp AT TIME ZONE 'UTC', (${f.to}::date + 2)::timestamp AT TIME ZONE 'UTC', '[)'))),
    days AS (
      SELECT p.id AS user_fk, p.username, p.tz, w.*
      FROM people p CROSS JOIN LATERAL work_days(p.id, ${f.from}::date, ${f.to}::date) w
      WHERE w.worked_seconds > 0),
    rests AS (
      SELECT d.user_fk, d.day, d.tz, n.start_time AS next_start, b.end_time AS previous_end
      FROM days d
      CROSS JOIN LATERAL (
        SELECT t.start_time FROM timelog t
        WHERE t.user_fk = d.user_fk AND t.start_time >= d.day::timestamp AT TIME ZONE d.tz
          AND t.start_time < (d.day + 1)::timestamp AT TIME ZONE d.tz
        ORDER BY t.start_time LIMIT 1) n
      CROSS JOIN LATERAL (
        SELECT t.end_time FROM timelog t WHERE t.user_fk = d.user_fk AND t.start_time < n.start_time
        ORDER BY t.start_time DESC LIMIT 1) b
      WHERE (SELECT min_rest_hours FROM limits) IS NOT NULL),
    found AS (
      SELECT d.user_fk, d.day, 1 AS o, 'break_short' AS code,
             d.required_break_seconds / 60 AS required_minutes, d.break_seconds / 60 AS taken_minutes,
             NULL::numeric AS max_hours, NULL::numeric AS worked_hours,
             NULL::numeric AS required_hours, NULL::numeric AS rest_hours,
             NULL::timestamptz AS previous_end, NULL::timestamptz AS next_start
      FROM days d WHERE d.break_seconds < d.required_break_seconds
      UNION ALL
      SELECT d.user_fk, d.day, 2, 'over_max_daily', NULL, NULL,
             l.max_daily_hours, ceil(d.worked_seconds / 36.0) / 100, NULL, NULL, NULL, NULL
      FROM days d CROSS JOIN limits l WHERE d.worked_seconds > l.max_daily_hours * 3600
      UNION ALL
      SELECT r.user_fk, r.day, 3, 'rest_short', NULL, NULL, NULL, NULL,
             l.min_rest_hours, floor(extract(epoch FROM r.next_start - r.previous_end) / 36) / 100,
             r.previous_end, r.next_start
      FROM rests r CROSS JOIN limits l WHERE r.next_start - r.previous_end < l.min_rest_hours * interval '1 hour')`;
}

/**
 * The dates from..to (both included) as report_range checks a report's range: from ≤ to, at most
 * MAX_RANGE_DAYS dates. A check of the batch, so no day is computed for a range it refuses.
 */
export const rangeCheck = (db: Db, f: ComplianceFilter) =>
  db.selectNoFrom(
    sql`report_range(${f.from}, (${f.to}::date + 1)::text, 'UTC', ${MAX_RANGE_DAYS}::int) IS NOT NULL`.as("range"),
  );

/** A violation as the API shows it: only its own fields. */
const violationJson = sql`jsonb_strip_nulls(jsonb_build_object(
  'code', v.code, 'required_minutes', v.required_minutes, 'taken_minutes', v.taken_minutes,
  'max_hours', v.max_hours::float8, 'worked_hours', v.worked_hours::float8,
  'required_hours', v.required_hours::float8, 'rest_hours', v.rest_hours::float8,
  'previous_end', api_time(v.previous_end), 'next_start', api_time(v.next_start)))`;

/** Person-days with violations, at most `max` + 1 (one more: too many), as the response body. */
export function compliance(db: Db, f: ComplianceFilter, max: number) {
  const query = sql<{ n: number; body: Record<string, unknown> }>`
    WITH ${violations(f)},
    kept AS (
      SELECT v.user_fk, v.day, jsonb_agg(${violationJson} ORDER BY v.o) AS violations
      FROM found v GROUP BY v.user_fk, v.day ORDER BY v.user_fk, v.day LIMIT ${max + 1})
    SELECT (SELECT count(*) FROM kept)::int AS n, jsonb_build_object(
      'from', ${f.from}::text, 'to', ${f.to}::text,
      'items', coalesce((SELECT jsonb_agg(jsonb_build_object('user_fk', k.user_fk, 'date', k.day::text,
                                                             'violations', k.violations) ORDER BY k.user_fk, k.day)
                         FROM kept k), '[]')) AS body`;
  return { compile: () => query.compile(db) };
}

export const COMPLIANCE_CSV_HEADER = [
  "user_id",
  "username",
  "date",
  "violation",
  "required_minutes",
  "taken_minutes",
  "max_hours",
  "worked_hours",
  "required_hours",
  "rest_hours",
  "previous_end",
  "next_start",
];

/**
 * The CSV's lines (without CRLF), one per violation, written by PostgreSQL: names through csv_text
 * (quoted, and a leading = + - @ defused), times in the person's zone with their offset. `n`
 * counts person-days up to `max` + 1, as the JSON report does.
 */
export function complianceCsv(db: Db, f: ComplianceFilter, max: number) {
  const num = (v: string) => sql`coalesce(trim_scale(${sql.ref(`v.${v}`)})::text, '')`;
  const time = (v: string) => sql`coalesce(csv_time(${sql.ref(`v.${v}`)}, p.tz), '')`;
  const query = sql<{ n: number; lines: string }>`
    WITH ${violations(f)},
    kept AS (SELECT DISTINCT v.user_fk, v.day FROM found v ORDER BY v.user_fk, v.day LIMIT ${max + 1})
    SELECT (SELECT count(*) FROM kept)::int AS n, coalesce((
      SELECT string_agg(concat_ws(',', v.user_fk, csv_text(p.username), v.day::text, v.code,
                                  ${num("required_minutes")}, ${num("taken_minutes")}, ${num("max_hours")},
                                  ${num("worked_hours")}, ${num("required_hours")}, ${num("rest_hours")},
                                  ${time("previous_end")}, ${time("next_start")}), E'\\r\\n' ORDER BY v.user_fk, v.day, v.o)
      FROM found v JOIN people p ON p.id = v.user_fk), '') AS lines`;
  return { compile: () => query.compile(db) };
}
