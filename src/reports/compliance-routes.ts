// GET /reports/compliance and its CSV: who broke the company's break and working-time rules, when.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { COMMON_HEADERS, problems } from "../lib/schemas";
import * as q from "./compliance-queries";
import { Compliance, ComplianceQuery } from "./compliance-schemas";
import { scopeCheck } from "./queries";

const tags = ["reports"];
/** Person-days with violations in one answer: enough for 200 people over a year of bad weeks. */
export const MAX_COMPLIANCE_DAYS = 20_000;

const WHO =
  "Employees see their own days; managers those of the people in their teams (user_fk, team_fk); superusers " +
  "everyone's. Dates are each person's local dates (their time zone), from and to included.";

/** The filter and the batch's checks: who may be named (as the other reports) and the range. */
function scope(c: Context<AppEnv>, query: z.infer<typeof ComplianceQuery>) {
  const { db } = c.get("database");
  const f = { viewerId: c.get("auth").userId, userId: query.user_fk, teamId: query.team_fk, ...query };
  return { f, checks: [...scopeCheck(db, f), q.rangeCheck(db, f)] };
}

const tooMany = () =>
  new ApiError(
    "too_many_groups",
    `More than ${MAX_COMPLIANCE_DAYS} person-days have violations; narrow the range or filter.`,
    { max_groups: MAX_COMPLIANCE_DAYS },
  );

export const compliance = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/compliance",
      tags,
      summary: "Violations of the break and working-time rules (PATCH /settings), per person and date",
      description:
        "Only person-days with a violation: break_short (the gaps between the day's logs are shorter than the " +
        "break rules require; exactly after_hours needs none), over_max_daily (worked more than max_daily_hours), " +
        `rest_short (less than min_rest_hours between the end of the previous log and the date's first start). ${WHO}`,
      ...access({ scope: "reports:read", heavy: true }),
      request: { query: ComplianceQuery },
      responses: { 200: json(Compliance, "The violations"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { f, checks } = scope(c, c.req.valid("query"));
      const { results } = await read(c, [q.compliance(c.get("database").db, f, MAX_COMPLIANCE_DAYS)], { checks });
      const row = results[0][0];
      if (row === undefined) throw new Error("the compliance query answers exactly one row");
      if (row.n > MAX_COMPLIANCE_DAYS) throw tooMany();
      return c.json(row.body as z.infer<typeof Compliance>, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/compliance.csv",
      tags,
      summary: "The compliance report as RFC 4180 CSV, a row per violation",
      description:
        `The same filter and violations as GET /reports/compliance. ${WHO} Columns: ${q.COMPLIANCE_CSV_HEADER.join(", ")}; ` +
        "a violation fills its own columns, times are in the person's zone with their offset.",
      ...access({ scope: "reports:read", heavy: true }),
      request: { query: ComplianceQuery },
      responses: {
        200: {
          description: "CSV",
          headers: z.object({
            ...COMMON_HEADERS,
            "Content-Disposition": z.string().openapi({ description: 'attachment; filename="compliance_….csv"' }),
          }),
          content: { "text/csv": { schema: z.string() } },
        },
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const { f, checks } = scope(c, c.req.valid("query"));
      const { results } = await read(c, [q.complianceCsv(c.get("database").db, f, MAX_COMPLIANCE_DAYS)], { checks });
      const row = results[0][0];
      if (row === undefined) throw new Error("the compliance query answers exactly one row");
      if (row.n > MAX_COMPLIANCE_DAYS) throw tooMany();
      // The lines are PostgreSQL's (csv_text, csv_time): joined, never parsed or re-encoded.
      const text = `${q.COMPLIANCE_CSV_HEADER.join(",")}\r\n${row.lines ? `${row.lines}\r\n` : ""}`;
      return c.body(text, 200, {
        "content-type": "text/csv; charset=utf-8; header=present",
        "content-disposition": `attachment; filename="compliance_${f.from}_${f.to}.csv"`,
      });
    },
  );
