// Reports are computed in PostgreSQL: logs overlapping the range (found through the GiST index on
// their span), clipped to it, and cut at local midnights (or week/month starts) in the requested
// zone, so a 23- or 25-hour day is summed as it really was.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import { type Group, MAX_RANGE_DAYS } from "./schemas";

type Db = Kysely<Database>;

export interface Range {
  from: string;
  to: string;
  tz: string;
}

export interface ReportFilter {
  /** Who asks: without userId or teamId they see their own logs, or everyone's if a superuser. */
  viewerId: number;
  userId?: number;
  teamId?: number;
  projectId?: number;
  positionId?: number;
}

/** The range as the database reads it, checked there (see report_range in the migrations). */
export function rangeCte(range: Range) {
  return sql`range AS (
    SELECT lower(b) AS lo, upper(b) AS hi FROM report_range(${range.from}, ${range.to}, ${range.tz}, ${MAX_RANGE_DAYS}::int) b
  )`;
}

/**
 * Who may be seen is checked by the batch's first statement (scopeCheck): naming a person needs
 * their manager or a superuser, naming a team one of its managers or a superuser.
 */
export function scopeCheck(db: Db, f: ReportFilter) {
  const checks = [];
  if (f.userId !== undefined && f.userId !== f.viewerId) {
    checks.push(sql`assert_may_act_for(${f.viewerId}::int, ${f.userId}::int)`.as("person"));
  }
  if (f.teamId !== undefined) checks.push(sql`assert_manages_team(${f.viewerId}::int, ${f.teamId}::int)`.as("team"));
  // Nothing to check: no statement, so a report of your own time is one statement.
  return checks.length ? [db.selectNoFrom(checks)] : [];
}

export function filters(f: ReportFilter) {
  const parts = [
    f.userId !== undefined
      ? sql`t.user_fk = ${f.userId}::int`
      : f.teamId !== undefined
        ? sql`t.user_fk IN (SELECT user_fk FROM team_member WHERE team_fk = ${f.teamId}::int)`
        : sql`(t.user_fk = ${f.viewerId}::int OR (SELECT user_is_superuser(${f.viewerId}::int)))`,
  ];
  if (f.userId !== undefined && f.teamId !== undefined) {
    parts.push(sql`t.user_fk IN (SELECT user_fk FROM team_member WHERE team_fk = ${f.teamId}::int)`);
  }
  if (f.projectId !== undefined) parts.push(sql`t.project_fk = ${f.projectId}::int`);
  if (f.positionId !== undefined) {
    parts.push(sql`t.user_fk IN (SELECT id FROM app_user WHERE position_fk = ${f.positionId}::int)`);
  }
  return sql.join(parts, sql` AND `);
}

const STEP = { day: "1 day", week: "1 week", month: "1 month" } as const;

/** The group count (at most `maxGroups` + 1) and the response body, as JSON text built by PostgreSQL. */
export interface SummaryRow {
  n: number;
  body: string;
}

/**
 * The whole response is built by PostgreSQL and passed through by the worker as text, so a report
 * of 20,000 groups is never parsed and re-serialised in the isolate. At most `maxGroups` + 1 groups
 * are kept: one more means "too many" (`n`).
 */
export function summary(db: Db, range: Range, f: ReportFilter, groupBy: Group[], maxGroups: number) {
  const unit = groupBy.find((g): g is keyof typeof STEP => g in STEP);
  const pieces = unit
    ? sql`SELECT c.*, b.period, greatest(c.s, b.bs) AS ps, least(c.e, b.be) AS pe
          FROM clipped c CROSS JOIN LATERAL (
            SELECT d::date::text AS period, d AT TIME ZONE ${range.tz} AS bs,
                   (d + ${STEP[unit]}::interval) AT TIME ZONE ${range.tz} AS be
            FROM generate_series(date_trunc(${unit}, c.s AT TIME ZONE ${range.tz}),
                                 c.e AT TIME ZONE ${range.tz}, ${STEP[unit]}::interval) d
          ) b`
    : sql`SELECT c.*, NULL::text AS period, c.s AS ps, c.e AS pe FROM clipped c`;
  // Grouped by ids first, names joined to the groups afterwards (one hash join), not to every log.
  const ids: string[] = [];
  const names: RawBuilder<unknown>[] = [];
  if (groupBy.includes("project")) {
    ids.push("project_fk");
    names.push(sql`g.project_fk, pr.secret_name`);
  }
  if (groupBy.includes("user")) {
    ids.push("user_fk");
    names.push(sql`g.user_fk, u.username`);
  }
  if (unit) {
    ids.push("period");
    names.push(sql`g.period`);
  }
  const refs = (alias: string) => ids.map((k) => sql.ref(`${alias}.${k}`));
  const orderBy = (alias: string) => (ids.length ? sql`ORDER BY ${sql.join(refs(alias))}` : sql``);
  const groupClause = ids.length ? sql`GROUP BY ${sql.join(refs("x"))}` : sql``;
  const idCols = ids.length ? sql`${sql.join(refs("x"))},` : sql``;
  const nameCols = names.length ? sql`${sql.join(names)},` : sql``;
  // A group's JSON has exactly its grouping's fields (a name may be NULL: a deleted user's is not).
  const fields = [
    ...(groupBy.includes("project") ? ["project_fk", "secret_name"] : []),
    ...(groupBy.includes("user") ? ["user_fk", "username"] : []),
    ...(unit ? ["period"] : []),
    "seconds",
    "includes_open",
  ];
  const groupFields = sql.join(fields.map((f) => sql`${sql.lit(f)}, ${sql.ref(`k.${f}`)}`));
  const query = sql<SummaryRow>`
    WITH ${rangeCte(range)},
    clipped AS (
      SELECT t.id, t.user_fk, t.project_fk, t.end_time IS NULL AS open,
             greatest(t.start_time, r.lo) AS s, least(coalesce(t.end_time, now()), r.hi) AS e
      FROM timelog t CROSS JOIN range r
      WHERE tstzrange(t.start_time, t.end_time, '[)') && tstzrange(r.lo, r.hi, '[)') AND ${filters(f)}
    ),
    pieces AS (${pieces}),
    by_id AS (
      SELECT ${idCols}
             -- Intervals add up exactly (microseconds) and faster than numeric seconds would.
             round(extract(epoch FROM sum(x.pe - x.ps)), 3)::float8 AS seconds,
             bool_or(x.open) AS includes_open
      FROM pieces x
      WHERE x.pe > x.ps
      ${groupClause}
    ),
    grouped AS (
      SELECT ${nameCols} g.seconds, g.includes_open FROM by_id g
      ${groupBy.includes("project") ? sql`LEFT JOIN project pr ON pr.id = g.project_fk` : sql``}
      ${groupBy.includes("user") ? sql`LEFT JOIN app_user u ON u.id = g.user_fk` : sql``}
    ),
    kept AS (
      -- Without a grouping the aggregate gives one row even over no logs: its seconds are NULL.
      SELECT g.* FROM grouped g WHERE g.seconds IS NOT NULL ${orderBy("g")} LIMIT ${maxGroups + 1}
    )
    SELECT (SELECT count(*) FROM kept)::int AS n, json_build_object(
      'from', api_time(r.lo), 'to', api_time(r.hi), 'tz', ${range.tz}::text, 'group_by', ${JSON.stringify(groupBy)}::json,
      'total_seconds', coalesce((SELECT round(sum(k.seconds)::numeric, 3)::float8 FROM kept k), 0),
      'includes_open', coalesce((SELECT bool_or(k.includes_open) FROM kept k), false),
      'groups', coalesce((SELECT json_agg(json_build_object(${groupFields}) ${orderBy("k")}) FROM kept k), '[]')
    )::text AS body
    FROM range r`;
  return { compile: () => query.compile(db) };
}
