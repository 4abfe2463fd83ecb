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
  /** Who asks: without userId they see their own logs, or everyone's if a superuser. */
  viewerId: number;
  userId?: number;
  projectId?: number;
  positionId?: number;
}

/** The range as the database reads it, checked there (see report_range in the migrations). */
export function rangeCte(range: Range) {
  return sql`range AS (
    SELECT lower(b) AS lo, upper(b) AS hi FROM report_range(${range.from}, ${range.to}, ${range.tz}, ${MAX_RANGE_DAYS}::int) b
  )`;
}

export function filters(f: ReportFilter) {
  const parts = [
    f.userId !== undefined
      ? sql`t.user_fk = ${f.userId}::int`
      : sql`(t.user_fk = ${f.viewerId}::int OR (SELECT user_is_superuser(${f.viewerId}::int)))`,
  ];
  if (f.projectId !== undefined) parts.push(sql`t.project_fk = ${f.projectId}::int`);
  if (f.positionId !== undefined) {
    parts.push(sql`t.user_fk IN (SELECT id FROM app_user WHERE position_fk = ${f.positionId}::int)`);
  }
  return sql.join(parts, sql` AND `);
}

const STEP = { day: "1 day", week: "1 week", month: "1 month" } as const;

export interface SummaryRow {
  project_fk?: number;
  secret_name?: string;
  user_fk?: number;
  username?: string;
  period?: string;
  seconds: number;
  includes_open: boolean;
  total_seconds: number;
  total_open: boolean;
  range_from: Date;
  range_to: Date;
}

/** At most `maxGroups` + 1 groups come back: one more means "too many". */
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
  const cols: RawBuilder<unknown>[] = [];
  const order: RawBuilder<unknown>[] = [];
  if (groupBy.includes("project")) {
    cols.push(sql`x.project_fk, pr.secret_name`);
    order.push(sql`g.project_fk`);
  }
  if (groupBy.includes("user")) {
    cols.push(sql`x.user_fk, u.username`);
    order.push(sql`g.user_fk`);
  }
  if (unit) {
    cols.push(sql`x.period`);
    order.push(sql`g.period`);
  }
  const groupClause = cols.length ? sql`GROUP BY ${sql.join(cols)}` : sql``;
  const orderClause = order.length ? sql`ORDER BY ${sql.join(order)}` : sql``;
  const selectCols = cols.length ? sql`${sql.join(cols)},` : sql``;
  const query = sql<SummaryRow>`
    WITH ${rangeCte(range)},
    clipped AS (
      SELECT t.id, t.user_fk, t.project_fk, t.end_time IS NULL AS open,
             greatest(t.start_time, r.lo) AS s, least(coalesce(t.end_time, now()), r.hi) AS e
      FROM timelog t CROSS JOIN range r
      WHERE tstzrange(t.start_time, t.end_time, '[)') && tstzrange(r.lo, r.hi, '[)') AND ${filters(f)}
    ),
    pieces AS (${pieces}),
    grouped AS (
      SELECT ${selectCols}
             round(sum(extract(epoch FROM x.pe - x.ps)), 3)::float8 AS seconds,
             bool_or(x.open) AS includes_open
      FROM pieces x
      LEFT JOIN project pr ON pr.id = x.project_fk
      LEFT JOIN app_user u ON u.id = x.user_fk
      WHERE x.pe > x.ps
      ${groupClause}
    )
    SELECT g.*, coalesce(round(sum(g.seconds) OVER ()::numeric, 3)::float8, 0) AS total_seconds,
           coalesce(bool_or(g.includes_open) OVER (), false) AS total_open, r.lo AS range_from, r.hi AS range_to
    FROM range r LEFT JOIN grouped g ON true
    ${orderClause}
    LIMIT ${maxGroups + 1}`;
  return { compile: () => query.compile(db) };
}
