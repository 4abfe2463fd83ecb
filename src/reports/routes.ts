import { createRoute, z } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { COMMON_HEADERS, problems } from "../lib/schemas";
import { csvHeader, csvStream } from "./csv";
import type { CsvAfter } from "./csv-queries";
import * as csv from "./csv-queries";
import * as q from "./queries";
import { CsvQuery, Summary, SummaryQuery } from "./schemas";

const tags = ["reports"];
export const MAX_CSV_ROWS = 100_000;
/** More groups than this is a report nobody reads: 422, narrow the range or the grouping. */
export const MAX_GROUPS = 20_000;

/**
 * Who may be seen (the range is checked by the database, where it is computed). Employees see
 * their own time; managers the people of their teams (user_fk, team_fk); superusers everyone's.
 * The database checks that in the same round trip (q.scopeCheck); a position needs a superuser
 * (the summary's declaration, superuserWith).
 */
function scope(
  c: Context<AppEnv>,
  query: {
    from: string;
    to: string;
    tz: string;
    user_fk?: number;
    team_fk?: number;
    project_fk?: number;
    position_fk?: number;
    client_fk?: number;
    task_fk?: number;
    tag_fk?: number;
  },
) {
  const viewerId = c.get("auth").userId;
  const filter = {
    viewerId,
    userId: query.user_fk,
    teamId: query.team_fk,
    projectId: query.project_fk,
    positionId: query.position_fk,
    clientId: query.client_fk,
    taskId: query.task_fk,
    tagId: query.tag_fk,
  };
  return {
    range: { from: query.from, to: query.to, tz: query.tz },
    filter,
    checks: q.scopeCheck(c.get("database").db, filter),
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
        "Running logs count up to the database's now(). Employees see their own time; managers that of the " +
        "people in their teams (user_fk, team_fk); superusers everyone's, and only they may filter by position_fk.",
      ...access({ scope: "reports:read", heavy: true, superuserWith: "position_fk" }),
      request: { query: SummaryQuery },
      responses: { 200: json(Summary, "Totals"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { range, filter, checks } = scope(c, query);
      const summary = q.summary(c.get("database").db, range, filter, query.group_by, MAX_GROUPS);
      const { results } = await read(c, [summary], { checks });
      const [row] = results[0];
      if (row === undefined) throw new Error("the summary query answers exactly one row");
      if (row.n > MAX_GROUPS) {
        throw new ApiError(
          "too_many_groups",
          `This report has more than ${MAX_GROUPS} groups; narrow the range, filter, or group more coarsely.`,
          { max_groups: MAX_GROUPS },
        );
      }
      // Built by PostgreSQL (src/reports/queries.ts): passed through, not parsed and re-serialised.
      return c.body(row.body, 200, { "content-type": "application/json" }) as unknown as TypedResponse<
        z.infer<typeof Summary>,
        200,
        "json"
      >;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/timelog.csv",
      tags,
      summary: "Time logs as RFC 4180 CSV for payroll, times in tz with their offset",
      description:
        "A header row, then a row per log of [from, to). Who may be seen is as for GET /reports/summary. Too many rows for one export is 422 (too_many_rows): narrow the range or filter. " +
        "Columns: id, user_id, username, position, project_id, project, start, end, duration_ms, duration_hm, open, note, client, task, tags (names, ';'-separated), billable; " +
        "then rate and amount (minor units; the part of the log inside the range) for managers reporting on their people and superusers, and cost for superusers.",
      ...access({ scope: "reports:read", heavy: true }),
      request: { query: CsvQuery },
      responses: {
        200: {
          description: "CSV",
          headers: z.object({
            ...COMMON_HEADERS,
            "Content-Disposition": z.string().openapi({ description: 'attachment; filename="timelog_….csv"' }),
          }),
          content: { "text/csv": { schema: z.string() } },
        },
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { range, filter, checks } = scope(c, query);
      const { db } = c.get("database");
      // The one-round-trip rule's documented exception: an export reads a page per round trip
      // (each answer well under Neon's 10 MiB), every page behind the login check.
      const page = async (after?: CsvAfter) =>
        (await read(c, [csv.timelogRows(db, range, filter, after)], { checks })).results[0];
      const { results } = await read(
        c,
        [csv.countRows(db, range, filter, MAX_CSV_ROWS), csv.timelogRows(db, range, filter, undefined)],
        { checks },
      );
      const [counted, first] = results;
      if ((counted[0]?.n ?? 0) > MAX_CSV_ROWS) {
        throw new ApiError("too_many_rows", `More than ${MAX_CSV_ROWS} logs match; narrow the range or filter.`);
      }
      const name = `timelog_${query.from.slice(0, 10)}_${query.to.slice(0, 10)}.csv`;
      const money = { billable: counted[0]?.billable === true, cost: counted[0]?.cost === true };
      return c.body(csvStream(csvHeader(money), first, page), 200, {
        "content-type": "text/csv; charset=utf-8; header=present",
        "content-disposition": `attachment; filename="${name}"`,
      });
    },
  );
