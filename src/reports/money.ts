// Money in reports, as SQL fragments: who may see it, the rates of a log, and the per-group sums.
// Amounts are rounded half to even per piece (money_for_ms, migrations/0019) and only then summed.
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

/** What a log's rates depend on, as SQL over the query's aliases. */
export interface RateKeys {
  project: RawBuilder<unknown>;
  user: RawBuilder<unknown>;
  position: RawBuilder<unknown>;
  /** When the log starts. */
  start: RawBuilder<unknown>;
}

/**
 * The rates of one kind the caller may see, each with the instants its days begin and end in the
 * company's zone: converted once per rate, not once per log (a log is priced by the rate in effect
 * on the day it starts there, which is the rate whose instants hold its start).
 */
const card = (kind: "billable" | "cost") => sql`(
    SELECT r.project_fk, r.user_fk, r.position_fk, r.amount,
           r.effective_from::timestamp AT TIME ZONE (SELECT tz FROM company) AS from_at,
           r.effective_to::timestamp AT TIME ZONE (SELECT tz FROM company) AS to_at
    FROM rate r WHERE r.kind = ${kind} AND (SELECT ${sql.ref(kind)} FROM vis) OFFSET 0)`;

/**
 * The rates of a log, as joins on the rate card itself (its spans are stored, migrations/0019):
 * billable, the (project, user) override or else the project's; cost, the user's override or else
 * their position's; each the one in effect when the log starts. Equality keys, so PostgreSQL
 * hashes the card once per report instead of searching it per log. No rate: no amount. Rates the
 * caller may not see join nothing.
 */
export function rateJoins(k: RateKeys) {
  const span = (r: string) => sql`${k.start} >= ${sql.ref(`${r}.from_at`)} AND ${k.start} < ${sql.ref(`${r}.to_at`)}`;
  return sql`
    LEFT JOIN ${card("billable")} bu ON bu.project_fk = ${k.project} AND bu.user_fk = ${k.user} AND ${span("bu")}
    LEFT JOIN ${card("billable")} bp ON bp.project_fk = ${k.project} AND bp.user_fk IS NULL AND ${span("bp")}
    LEFT JOIN ${card("cost")} cu ON cu.user_fk = ${k.user} AND ${span("cu")}
    LEFT JOIN ${card("cost")} cp ON cp.position_fk = ${k.position} AND ${span("cp")}`;
}
export const rateColumns = sql`coalesce(bu.amount, bp.amount) AS brate, coalesce(cu.amount, cp.amount) AS crate`;

/**
 * A piece's length in whole milliseconds (times are stored to the millisecond; a running log's now
 * or a finer from/to rounds to the nearest), which money_for_ms prices in bigint.
 */
export const wholeMs = (s: RawBuilder<unknown>, e: RawBuilder<unknown>) =>
  sql`(extract(epoch FROM ${e} - ${s}) * 1000)::bigint`;

/** Per group: billable time, and amounts rounded half-even per piece (`x.ms`), then summed. */
export const moneyAggregates = sql`coalesce(sum(x.ms) FILTER (WHERE x.billable), 0)::bigint AS billable_ms,
  coalesce(sum(money_for_ms(x.brate, x.ms)) FILTER (WHERE x.billable), 0)::bigint AS billable_amount,
  coalesce(sum(money_for_ms(x.crate, x.ms)), 0)::bigint AS cost`;

/** The CTEs the fragments above read: `vis` (who sees what) and `company` (its zone and currency). */
export const moneyCtes = (f: ReportFilter) =>
  sql`vis AS (${visibility(f)}), company AS (SELECT default_time_zone AS tz, currency FROM company_settings)`;
