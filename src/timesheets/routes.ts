import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { read, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { decodeCursor, invalidCursor, pageOf } from "../lib/page";
import { type AppEnv, createRouter } from "../lib/router";
import { IdempotencyHeader, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  Approve,
  Reject,
  Reopen,
  Timesheet,
  TimesheetPage,
  TimesheetQuery,
  UserWeekParams,
  WeekParam,
} from "./schemas";

const tags = ["timesheets"];

function after(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const [userId = "", week = ""] = decodeCursor(cursor, 2);
  if (!/^\d{1,10}$/.test(userId) || !/^\d{4}-\d\d-\d\d$/.test(week)) throw invalidCursor();
  return { userId: Number(userId), week };
}

/** A status change, then the week as it now stands, in one round trip. */
async function act(c: Context<AppEnv>, change: ReturnType<typeof q.submit>, userId: number, week: string) {
  return write(
    c,
    [change],
    q.timesheetBody(c.get("database").db, userId, week),
    200,
    () => new ApiError("not_found", "No such user."),
  );
}

const decision = (
  path: "approve" | "reject" | "reopen",
  schema: typeof Approve | typeof Reject,
  summary: string,
  description: string,
) =>
  createRoute({
    method: "post",
    path: `/{user_id}/{week}/${path}`,
    tags,
    summary,
    description,
    // Reopening is superusers' (timesheet_decide() refuses anyone else too); deciding is managers'.
    ...access(path === "reopen" ? { scope: "timelog:write", role: "superuser" } : { scope: "timelog:write" }),
    request: { params: UserWeekParams, headers: IdempotencyHeader, body: body(schema) },
    responses: { 200: json(Timesheet, "The week, decided"), ...problems(401, 403, 404, 409, 422) },
  });

export const timesheets = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "One entry per person and ISO week: status, worked, expected, balance (untouched weeks are open)",
      description:
        "Without user_fk or team_fk: yourself and the people you manage (everyone, for a superuser). " +
        "user_fk needs that person, their manager or a superuser; team_fk a manager of the team or a superuser.",
      ...access({ scope: "timelog:read", heavy: true }),
      request: { query: TimesheetQuery },
      responses: { 200: json(TimesheetPage, "A page of person-weeks"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { db } = c.get("database");
      const filter = {
        viewerId: c.get("auth").userId,
        userId: query.user_fk,
        teamId: query.team_fk,
        from: query.from,
        to: query.to ?? query.from,
        status: query.status,
        after: after(query.cursor),
        limit: query.limit,
      };
      // The scope is a check, not a query: checks run on the primary when the read goes to a replica.
      const { results } = await read(c, [q.countCells(db, filter), q.listTimesheets(db, filter)], {
        checks: [q.assertScope(db, filter)],
      });
      const size = results[0][0];
      if (size?.backwards) throw new ApiError("invalid_range", "from must not be after to.");
      if (size?.before_earliest) {
        throw new ApiError("before_earliest", `No time may be logged before ${size.earliest}: ask for later weeks.`);
      }
      if ((size?.weeks ?? 0) > q.MAX_WEEKS) {
        throw new ApiError("range_too_long", `At most ${q.MAX_WEEKS} weeks per list; narrow the weeks.`);
      }
      if ((size?.cells ?? 0) > q.MAX_CELLS) {
        throw new ApiError(
          "range_too_long",
          `At most ${q.MAX_CELLS} person-weeks per list; narrow the weeks or people.`,
        );
      }
      return c.json(
        pageOf(results[1], query.limit, (r) => [r.user_fk, r.week]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{week}/submit",
      tags,
      summary: "Submit your week: its time is locked until a manager rejects it or a superuser reopens it",
      description:
        "week is an ISO week such as 2026-W14. 409 while a timer runs in the week (timer_running), when it is already " +
        "submitted or approved (already_submitted), or while a requested absence overlaps the week (absence_pending, " +
        "with its absence_id): have it decided or cancel it first.",
      ...access({ scope: "timelog:write" }),
      request: { params: WeekParam, headers: IdempotencyHeader },
      responses: { 200: json(Timesheet, "Submitted"), ...problems(401, 409, 422) },
    }),
    async (c) => {
      const { week } = c.req.valid("param");
      const { userId } = c.get("auth");
      return act(c, q.submit(c.get("database").db, userId, week), userId, week);
    },
  )
  .openapi(
    decision(
      "approve",
      Approve,
      "Approve a submitted week (the person's manager or a superuser, never your own)",
      "Only a manager of the person or a superuser, never for your own week (403). 409 unless the week is submitted.",
    ),
    async (c) => {
      const { user_id, week } = c.req.valid("param");
      const { comment } = c.req.valid("json");
      const change = q.decide(c.get("database").db, c.get("auth").userId, user_id, week, "approve", comment ?? null);
      return act(c, change, user_id, week);
    },
  )
  .openapi(
    decision(
      "reject",
      Reject,
      "Send a submitted week back with a comment; its time unlocks",
      "Only a manager of the person or a superuser, never for your own week (403). 409 unless the week is submitted.",
    ),
    async (c) => {
      const { user_id, week } = c.req.valid("param");
      const { comment } = c.req.valid("json");
      const change = q.decide(c.get("database").db, c.get("auth").userId, user_id, week, "reject", comment ?? null);
      return act(c, change, user_id, week);
    },
  )
  .openapi(
    decision(
      "reopen",
      Reopen,
      "Reopen an approved week (superusers, with a comment); its time unlocks",
      "Superusers only (403). 409 unless the week is approved.",
    ),
    async (c) => {
      const { user_id, week } = c.req.valid("param");
      const { comment } = c.req.valid("json");
      const change = q.decide(c.get("database").db, c.get("auth").userId, user_id, week, "reopen", comment ?? null);
      return act(c, change, user_id, week);
    },
  );
