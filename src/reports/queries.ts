// Reports are computed in PostgreSQL: logs overlapping the range (found through the GiST index on
// their span), clipped to it, and cut at local midnights (or week/month starts) in the requested
// zone, so a 23- or 25-hour day is summed as it really was.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/schema";
import { teamPeople } from "../teams/queries";
import { moneyAggregates, moneyCtes, rateColumns, rateJoins, wholeMs } from "./money";
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
  clientId?: number;
  taskId?: number;
  tagId?: number;
}

/** The range as the database reads it, checked there (see report_range in the migrations). */
export function rangeCte(range: Range) {
  return sql`range AS (
    SELECT lower(b) AS lo, upper(b) AS hi FROM report_range(${range.from}, ${range.to}, ${range.tz}, ${MAX_RANGE_DAYS}::int) b
  )`;
}

/**
 * Logs (alias `t`) overlapping the range, through the GiST index on their span. The range is
 * report_range() itself rather than the range CTE's columns: PostgreSQL evaluates a stable call on
 * constants while planning, so it estimates the logs in range from the index's statistics (from a
 * CTE it guessed 167 rows for 17,400 and joined rates by nested loops).
 */
export const overlapsRange = (range: Range) =>
  sql`tstzrange(t.start_time, t.end_time, '[)') && report_range(${range.from}, ${range.to}, ${range.tz}, ${MAX_RANGE_DAYS}::int)`;

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
        ? sql`t.user_fk IN (${teamPeople(f.teamId, f.viewerId)})`
        : sql`(t.user_fk = ${f.viewerId}::int OR (SELECT user_is_superuser(${f.viewerId}::int)))`,
  ];
  if (f.userId !== undefined && f.teamId !== undefined) {
    parts.push(sql`t.user_fk IN (${teamPeople(f.teamId, f.viewerId)})`);
  }
  if (f.projectId !== undefined) parts.push(sql`t.project_fk = ${f.projectId}::int`);
  if (f.clientId !== undefined) {
    parts.push(sql`t.project_fk IN (SELECT id FROM project WHERE client_fk = ${f.clientId}::int)`);
  }
  if (f.taskId !== undefined) parts.push(sql`t.task_fk = ${f.taskId}::int`);
  if (f.tagId !== undefined) parts.push(sql`t.tag_ids @> ARRAY[${f.tagId}::int] AND t.tag_ids <> '{}'`);
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
  // OFFSET 0 keeps the pieces a subquery of their own, so each piece's ms is computed once: the
  // aggregates read it several times inside money_for_ms, and PostgreSQL inlines that function only
  // when its arguments are plain columns.
  const pieces = unit
    ? sql`SELECT c.*, b.period, greatest(c.s, b.bs) AS ps, least(c.e, b.be) AS pe,
                 ${wholeMs(sql`greatest(c.s, b.bs)`, sql`least(c.e, b.be)`)} AS ms
          FROM clipped c CROSS JOIN LATERAL (
            SELECT d::date::text AS period, d AT TIME ZONE ${range.tz} AS bs,
                   (d + ${STEP[unit]}::interval) AT TIME ZONE ${range.tz} AS be
            FROM generate_series(date_trunc(${unit}, c.s AT TIME ZONE ${range.tz}),
                                 c.e AT TIME ZONE ${range.tz}, ${STEP[unit]}::interval) d
          ) b OFFSET 0`
    : sql`SELECT c.*, NULL::text AS period, c.s AS ps, c.e AS pe, ${wholeMs(sql`c.s`, sql`c.e`)} AS ms FROM clipped c OFFSET 0`;
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
  if (groupBy.includes("client")) {
    ids.push("client_fk");
    names.push(sql`g.client_fk, cl.name AS client_name`);
  }
  if (groupBy.includes("task")) {
    ids.push("task_fk");
    names.push(sql`g.task_fk, tk.name AS task_name`);
  }
  if (groupBy.includes("tag")) {
    ids.push("tag_fk");
    names.push(sql`g.tag_fk, tg.name AS tag_name`);
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
    ...(groupBy.includes("client") ? ["client_fk", "client_name"] : []),
    ...(groupBy.includes("task") ? ["task_fk", "task_name"] : []),
    ...(groupBy.includes("tag") ? ["tag_fk", "tag_name"] : []),
    ...(unit ? ["period"] : []),
    "duration_ms",
    "includes_open",
  ];
  // By tag, a log is one piece per tag (untagged: one, with tag_fk NULL); by client, its project's.
  const byTag = groupBy.includes("tag");
  const tagKey = byTag ? sql`tg_key.tag_fk,` : sql``;
  const tagJoin = byTag
    ? sql`CROSS JOIN LATERAL unnest(CASE WHEN t.tag_ids = '{}' THEN ARRAY[NULL::int] ELSE t.tag_ids END) AS tg_key(tag_fk)`
    : sql``;
  const clientKey = groupBy.includes("client") ? sql`p.client_fk,` : sql``;
  // Money per group, only the fields the caller may see (see visibility), and the report's totals:
  // the sums of the groups (by tag: of each piece once), so groups add up to the totals to the
  // minor unit. Projects with a budget are marked when over it (current period; money budgets for
  // those who may see money): once per budgeted project, not per group.
  const budgets = groupBy.includes("project")
    ? sql`budgets AS (
        SELECT pr.id, (project_budget_json(pr, vis.cost) ->> 'exceeded')::boolean AS over
        FROM project pr CROSS JOIN vis
        WHERE (SELECT EXISTS (SELECT 1 FROM project x WHERE x.budget_hours IS NOT NULL OR x.budget_amount IS NOT NULL))
          AND (pr.budget_hours IS NOT NULL OR pr.budget_amount IS NOT NULL) AND pr.id IN (SELECT b.project_fk FROM by_id b)
      ),`
    : sql``;
  const overBudget = groupBy.includes("project") ? sql`bu.over` : sql`NULL::boolean`;
  // The extra members are spliced into json_build_object's text (numbers and booleans only, so
  // nothing to escape): building 20,000 groups as jsonb and merging them was 4× slower.
  const moneyOf = (k: RawBuilder<unknown>) => sql`CASE WHEN ${k}.over_budget IS NULL THEN ''
      ELSE ', "over_budget" : ' || ${k}.over_budget END || ', "billable_ms" : ' || ${k}.billable_ms
    || CASE WHEN vis.billable THEN ', "billable_amount" : ' || ${k}.billable_amount ELSE '' END
    || CASE WHEN vis.cost THEN ', "cost" : ' || ${k}.cost || ', "margin" : ' || (${k}.billable_amount - ${k}.cost) ELSE '' END`;
  const summed = byTag ? sql`once` : sql`kept`;
  const totals = sql`CASE WHEN vis.billable THEN ', "currency" : "' || (SELECT currency FROM company)
      || '", "total_billable_amount" : ' || (SELECT coalesce(sum(k.billable_amount), 0) FROM ${summed} k) ELSE '' END
    || CASE WHEN vis.cost THEN ', "total_cost" : ' || (SELECT coalesce(sum(k.cost), 0) FROM ${summed} k)
      || ', "total_margin" : ' || (SELECT coalesce(sum(k.billable_amount - k.cost), 0) FROM ${summed} k) ELSE '' END`;
  // By tag, a piece is in each of its tags' groups: the money totals take each piece once.
  const once = byTag
    ? sql`once AS (
        SELECT ${moneyAggregates} FROM (SELECT DISTINCT ON (p.id, p.period) p.* FROM pieces p WHERE p.pe > p.ps) x
      ),`
    : sql``;
  // The total is the time: by tag, each log once (not once per tag).
  const total = byTag
    ? sql`coalesce((SELECT sum(${wholeMs(sql`d.s`, sql`d.e`)})
                    FROM (SELECT DISTINCT ON (c.id) c.s, c.e FROM clipped c WHERE c.e > c.s) d), 0)::bigint`
    : sql`coalesce((SELECT sum(k.duration_ms) FROM kept k), 0)::bigint`;
  const logs = (extra: RawBuilder<unknown>, join = sql``) => sql`
      SELECT t.id, t.user_fk, t.project_fk, t.task_fk, ${tagKey} ${clientKey} t.end_time IS NULL AS open,
             greatest(t.start_time, r.lo) AS s, least(coalesce(t.end_time, now()), r.hi) AS e,
             coalesce(t.billable, p.billable) AS billable, ${extra}
      FROM timelog t JOIN project p ON p.id = t.project_fk ${join} CROSS JOIN range r ${tagJoin}
      WHERE ${overlapsRange(range)} AND ${filters(f)}`;
  const priced = sql`
      SELECT l.*, ${rateColumns}
      FROM (${logs(sql`t.start_time, u.position_fk`, sql`JOIN app_user u ON u.id = t.user_fk`)}
            AND (SELECT priced FROM vis)) l
      ${rateJoins({ project: sql`l.project_fk`, user: sql`l.user_fk`, position: sql`l.position_fk`, start: sql`l.start_time` })}`;
  const unpriced = sql`${logs(sql`NULL::timestamptz AS start_time, NULL::int AS position_fk, NULL::bigint AS brate, NULL::bigint AS crate`)}
      AND NOT (SELECT priced FROM vis)`;
  const groupFields = sql.join(fields.map((f) => sql`${sql.lit(f)}, ${sql.ref(`k.${f}`)}`));
  const query = sql<SummaryRow>`
    WITH ${rangeCte(range)},
    ${moneyCtes(f)},
    -- Two branches, one of which PostgreSQL skips (a one-time filter): the rate joins run only when
    -- the caller may see money and there are rates to price with.
    clipped AS (${priced} UNION ALL ${unpriced}),
    pieces AS (${pieces}),
    by_id AS (
      SELECT ${idCols}
             -- Whole milliseconds per piece (stored times are milliseconds), summed exactly.
             sum(x.ms)::bigint AS duration_ms,
             bool_or(x.open) AS includes_open,
             ${moneyAggregates}
      FROM pieces x
      WHERE x.pe > x.ps
      ${groupClause}
    ),
    ${budgets} ${once}
    grouped AS (
      SELECT ${nameCols} g.duration_ms, g.includes_open, g.billable_ms, g.billable_amount, g.cost, ${overBudget} AS over_budget
      FROM by_id g
      ${groupBy.includes("project") ? sql`LEFT JOIN project pr ON pr.id = g.project_fk LEFT JOIN budgets bu ON bu.id = g.project_fk` : sql``}
      ${groupBy.includes("user") ? sql`LEFT JOIN app_user u ON u.id = g.user_fk` : sql``}
      ${groupBy.includes("client") ? sql`LEFT JOIN client cl ON cl.id = g.client_fk` : sql``}
      ${groupBy.includes("task") ? sql`LEFT JOIN task tk ON tk.id = g.task_fk` : sql``}
      ${groupBy.includes("tag") ? sql`LEFT JOIN tag tg ON tg.id = g.tag_fk` : sql``}
    ),
    kept AS (
      -- Without a grouping the aggregate gives one row even over no logs: its sum is NULL.
      SELECT g.* FROM grouped g WHERE g.duration_ms IS NOT NULL ${orderBy("g")} LIMIT ${maxGroups + 1}
    )
    SELECT (SELECT count(*) FROM kept)::int AS n, rtrim(json_build_object(
      'from', api_time(r.lo), 'to', api_time(r.hi), 'tz', ${range.tz}::text, 'group_by', ${JSON.stringify(groupBy)}::json,
      'total_ms', ${total},
      'includes_open', coalesce((SELECT bool_or(k.includes_open) FROM kept k), false)
    )::text, '}') || ${totals} || ', "groups" : ['
      || coalesce((SELECT string_agg(rtrim(json_build_object(${groupFields})::text, '}') || ${moneyOf(sql`k`)} || '}', ', '
                                     ${orderBy("k")}) FROM kept k), '')
      || ']}' AS body
    FROM range r CROSS JOIN vis`;
  return { compile: () => query.compile(db) };
}
