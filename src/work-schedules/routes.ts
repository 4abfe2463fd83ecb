import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreateWorkSchedule, WorkSchedule, WorkSchedulePage, WorkScheduleQuery } from "./schemas";

const tags = ["work-schedules"];

export const workSchedules = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Add a work schedule for a position or a person, effective from a date on (superusers)",
      description:
        "Superusers only (403). Exactly one of position_fk and user_fk. A person's own schedule outranks their " +
        "weekly_hours, which outranks their position's schedule, which outranks the position's weekly_hours " +
        "(Mon–Fri equal shares). One schedule per owner and date (409 schedule_exists). 409 period_locked when " +
        "effective_from is before the company lock (in the company's zone) or when anyone it applies to has a " +
        "submitted or approved week ending after it starts.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateWorkSchedule) },
      responses: { 201: json(WorkSchedule, "Added"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(
        c,
        [],
        q.insertSchedule(c.get("database").db, c.req.valid("json")),
        201,
        () => new ApiError("internal", "The schedule was not stored."),
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Work schedules of positions and people, by id",
      description:
        "A position's schedules: every signed-in user. A person's: that person, their managers and superusers " +
        "(user_fk of anyone else: 403). Without filters: every position's and those of the people you may see.",
      ...access({ scope: "timelog:read" }),
      request: { query: WorkScheduleQuery },
      responses: { 200: json(WorkSchedulePage, "A page of schedules"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor, position_fk, user_fk } = c.req.valid("query");
      const { db } = c.get("database");
      const viewer = c.get("auth").userId;
      const owner = { position_fk, user_fk };
      const checks = user_fk === undefined ? [] : [q.assertMayRead(db, viewer, owner)];
      const { results } = await read(c, [q.listSchedules(db, viewer, owner, idAfter(cursor), limit)], { checks });
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Remove a work schedule (superusers)",
      description:
        "Superusers only (403). The dates it covered fall back to the schedule before it. 409 period_locked as for adding one.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Removed"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      return writeNoContent(
        c,
        [],
        q.deleteSchedule(c.get("database").db, c.req.valid("param").id),
        () => new ApiError("not_found", "No such work schedule."),
      );
    },
  );
