// Money in reports, as SQL fragments: who may see it, the rates of a log, and the per-group sums.
// Amounts are rounded half to even per piece (money_for, migrations/0015) and only then summed.
import { type RawBuilder, sql } from "kysely";
import type { ReportFilter } from "./queries";

/** Who sees money: superusers everything; a manager reporting on their team or member billable amounts, never cost. */
export function visibility(f: ReportFilter) {
  const su = sql`(SELECT user_is_superuser(${f.viewerId}::int))`;
  const manager =
    f.teamId !== undefined
      ? sql`EXISTS (SELECT 1 FROM team_member WHERE team_fk = ${f.teamId}::int AND user_fk = ${f.viewerId}::int AND role = 'manager')`
      : f.userId !== undefined
        ? sql`manages(${f.viewerId}::int, ${f.userId}::int)`
        : sql`false`;
  return sql`SELECT v.*, (v.billable AND EXISTS (SELECT 1 FROM rate)) AS priced
    FROM (SELECT ${su} OR ${manager} AS billable, ${su} AS cost) v`;
}

/**
 * The rates of a log (alias `t`, its user `u`), as joins on rate_span (below): billable, the
 * (project, user) override or else the project's; cost, the user's override or else their
 * position's; each the one in effect on the day the log starts in the company's zone. Joins, not a
 * lookup per log: four index probes per log were 4× slower on the benchmark's month. No rate: no
 * amount. (A report that may not see money joins an empty rate_span.)
 */
export function rateJoins(t: RawBuilder<unknown>, u: RawBuilder<unknown>) {
  const day = sql`(${t}.start_time AT TIME ZONE (SELECT tz FROM company))::date`;
  return sql`
    LEFT JOIN rate_span bu ON bu.kind = 'billable' AND bu.project_fk = ${t}.project_fk AND bu.user_fk = ${t}.user_fk AND bu.days @> ${day}
    LEFT JOIN rate_span bp ON bp.kind = 'billable' AND bp.project_fk = ${t}.project_fk AND bp.user_fk IS NULL AND bp.days @> ${day}
    LEFT JOIN rate_span cu ON cu.kind = 'cost' AND cu.user_fk = ${t}.user_fk AND cu.days @> ${day}
    LEFT JOIN rate_span cp ON cp.kind = 'cost' AND cp.position_fk = ${u}.position_fk AND cp.days @> ${day}`;
}
export const rateColumns = sql`coalesce(bu.amount, bp.amount) AS brate, coalesce(cu.amount, cp.amount) AS crate`;

/** Per group: billable time, and amounts rounded half-even per piece (money_for), then summed. */
export const moneyAggregates = sql`round(extract(epoch FROM coalesce(sum(x.pe - x.ps) FILTER (WHERE x.billable), interval '0')), 3)::float8
    AS billable_seconds,
  coalesce(sum(money_for(x.brate, extract(epoch FROM x.pe - x.ps) * 1000)) FILTER (WHERE x.billable), 0)::bigint
    AS billable_amount,
  coalesce(sum(money_for(x.crate, extract(epoch FROM x.pe - x.ps) * 1000)), 0)::bigint AS cost`;

/**
 * The CTEs the fragments above read: `vis` (who sees what), `company` (its zone and currency) and
 * `rate_span` (each rate with the days it is in effect for its target, until the next one), holding
 * only the kinds of rate the caller may see.
 */
export const moneyCtes = (f: ReportFilter) =>
  sql`vis AS (${visibility(f)}), company AS (SELECT default_time_zone AS tz, currency FROM company_settings),
  rate_span AS (
    SELECT r.kind, r.project_fk, r.user_fk, r.position_fk, r.amount,
           daterange(r.effective_from, lead(r.effective_from) OVER (
             PARTITION BY r.kind, r.project_fk, r.user_fk, r.position_fk ORDER BY r.effective_from)) AS days
    FROM rate r
    WHERE CASE r.kind WHEN 'billable' THEN (SELECT billable FROM vis) ELSE (SELECT cost FROM vis) END
  )`;
