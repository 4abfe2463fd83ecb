import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authBatch } from "../auth/middleware";
import { ApiError } from "../lib/errors";
import { json, signedIn } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { iso } from "../lib/time";
import { csvStream } from "./csv";
import * as q from "./queries";
import { CsvQuery, MAX_RANGE_DAYS, Summary, SummaryQuery } from "./schemas";

const tags = ["reports"];
export const MAX_CSV_ROWS = 100_000;

/** The instant a bound stands for: a date is midnight in tz (found with Intl), a time is itself. */
function instantOf(value: string, tz: string): number {
  if (!/^\d{4}-\d\d-\d\d$/.test(value)) return Date.parse(value);
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  const offsetAt = (t: number) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    }).formatToParts(t);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - t;
  };
  const guess = wall - offsetAt(wall);
  return wall - offsetAt(guess);
}

function checkRange(from: string, to: string, tz: string) {
  const lo = instantOf(from, tz);
  const hi = instantOf(to, tz);
  if (!(lo < hi)) throw new ApiError(422, "invalid_range", "from must be before to.");
  if (hi - lo > (MAX_RANGE_DAYS * 24 + 1) * 3_600_000) {
    throw new ApiError(422, "range_too_long", `A report covers at most ${MAX_RANGE_DAYS} days.`);
  }
}

/**
 * The range (checked) and who may be seen. Employees see their own time only; superusers
 * everyone's. Naming another user (or a position) needs a superuser, which the login check of the
 * same round trip enforces.
 */
function scope(
  c: Context<AppEnv>,
  query: { from: string; to: string; tz: string; user_fk?: number; project_fk?: number; position_fk?: number },
) {
  checkRange(query.from, query.to, query.tz);
  const viewerId = c.get("auth").userId;
  const superuser = (query.user_fk !== undefined && query.user_fk !== viewerId) || query.position_fk !== undefined;
  return {
    superuser,
    range: { from: query.from, to: query.to, tz: query.tz },
    filter: { viewerId, userId: query.user_fk, projectId: query.project_fk, positionId: query.position_fk },
  };
}

export const reports = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/summary",
      tags,
      summary: "Seconds worked per project, user and/or day, week or month, in any time zone",
      description:
        "Logs are clipped to [from, to) and split at local midnights in tz, so a 23- or 25-hour day is summed as it was. " +
        "Running logs count up to the database's now(). Employees see their own time; superusers everyone's, " +
        "and only superusers may set user_fk to someone else or position_fk.",
      ...signedIn,
      request: { query: SummaryQuery },
      responses: { 200: json(Summary, "Totals"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { superuser, range, filter } = scope(c, query);
      const summary = q.summary(c.get("database").db, range, filter, query.group_by);
      const { results } = await authBatch(c, [summary], { superuser });
      const rows = results[0];
      const first = rows[0];
      const groups = rows
        .filter((r) => r.seconds !== null)
        .map(({ total_seconds, total_open, range_from, range_to, ...g }) =>
          Object.fromEntries(Object.entries(g).filter(([, v]) => v !== null)),
        ) as z.infer<typeof Summary>["groups"];
      return c.json(
        {
          from: first ? iso(first.range_from) : query.from,
          to: first ? iso(first.range_to) : query.to,
          tz: query.tz,
          group_by: query.group_by,
          total_seconds: first?.total_seconds ?? 0,
          includes_open: first?.total_open ?? false,
          groups,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/timelog.csv",
      tags,
      summary: "Time logs as RFC 4180 CSV for payroll, times in tz with their offset",
      ...signedIn,
      request: { query: CsvQuery },
      responses: {
        200: { description: "CSV", content: { "text/csv": { schema: z.string() } } },
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { superuser, range, filter } = scope(c, query);
      const rowsQuery = q.timelogRows(c.get("database").db, range, filter, MAX_CSV_ROWS);
      const { results } = await authBatch(c, [rowsQuery], { superuser });
      const rows = results[0];
      if (rows.length > MAX_CSV_ROWS) {
        throw new ApiError(422, "too_many_rows", `More than ${MAX_CSV_ROWS} logs match; narrow the range or filter.`);
      }
      const name = `timelog_${query.from.slice(0, 10)}_${query.to.slice(0, 10)}.csv`;
      return c.body(csvStream(rows), 200, {
        "content-type": "text/csv; charset=utf-8; header=present",
        "content-disposition": `attachment; filename="${name}"`,
      });
    },
  );
