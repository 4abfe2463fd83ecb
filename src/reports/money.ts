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
  return sql`SELECT ${su} OR ${manager} AS billable, ${su} AS cost`;
}

/**
 * The rates of a log (alias `t`): billable, the (project, user) override or else the project's;
 * cost, the user's override or else their position's; each the latest in effect on the day the
 * log starts in the company's zone. No rate: no amount.
 */
export function rates(t: RawBuilder<unknown>) {
  const day = sql`(${t}.start_time AT TIME ZONE (SELECT tz FROM company))::date`;
  const latest = (where: RawBuilder<unknown>) =>
    sql`(SELECT x.amount FROM rate x WHERE ${where} AND x.effective_from <= ${day} ORDER BY x.effective_from DESC LIMIT 1)`;
  // Each lookup is one probe of its own partial index; none runs for a caller who may not see it.
  return sql`CASE WHEN (SELECT billable FROM vis) THEN coalesce(
               ${latest(sql`x.kind = 'billable' AND x.project_fk = ${t}.project_fk AND x.user_fk = ${t}.user_fk`)},
               ${latest(sql`x.kind = 'billable' AND x.project_fk = ${t}.project_fk AND x.user_fk IS NULL`)}) END AS brate,
             CASE WHEN (SELECT cost FROM vis) THEN coalesce(
               ${latest(sql`x.kind = 'cost' AND x.user_fk = ${t}.user_fk`)},
               ${latest(sql`x.kind = 'cost' AND x.position_fk = (SELECT u.position_fk FROM app_user u WHERE u.id = ${t}.user_fk)`)}) END AS crate`;
}

/** Per group: billable time, and amounts rounded half-even per piece (money_for), then summed. */
export const moneyAggregates = sql`round(extract(epoch FROM coalesce(sum(x.pe - x.ps) FILTER (WHERE x.billable), interval '0')), 3)::float8
    AS billable_seconds,
  coalesce(sum(money_for(x.brate, extract(epoch FROM x.pe - x.ps) * 1000)) FILTER (WHERE x.billable), 0)::bigint
    AS billable_amount,
  coalesce(sum(money_for(x.crate, extract(epoch FROM x.pe - x.ps) * 1000)), 0)::bigint AS cost`;

/** The CTEs the fragments above read: `vis` (who sees what) and `company` (its zone and currency). */
export const moneyCtes = (f: ReportFilter) =>
  sql`vis AS (${visibility(f)}), company AS (SELECT default_time_zone AS tz, currency FROM company_settings)`;
