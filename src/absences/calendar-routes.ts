// GET /absences/calendar: who of a team is away on which day of a month (issue 22 §1).
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { one } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { teamCalendar } from "./calendar-queries";
import { AbsenceCalendar, CalendarQuery } from "./calendar-schemas";

export const absenceCalendar = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/calendar",
    tags: ["absences"],
    summary: "Who of a team is away on which day of a month (its members, managers and superusers)",
    description:
      "Every date of the month with the company calendar's holiday and the team's requested and approved absences " +
      '(status says which). The reason (type, type_fk) shows for your own absences and, to superusers and managers, for the people they manage; otherwise type is "away" and type_fk null. ' +
      "A team you are not in is 404 unless you are a superuser.",
    ...access({ scope: "timelog:read" }),
    request: { query: CalendarQuery },
    responses: { 200: json(AbsenceCalendar, "The month"), ...problems(401, 404, 422) },
  }),
  async (c) => {
    const { team_fk, month } = c.req.valid("query");
    const query = teamCalendar(c.get("database").db, team_fk, c.get("auth").userId, month);
    return one(c, query, () => new ApiError("not_found", "No such team."));
  },
);
