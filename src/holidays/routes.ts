// Public holiday calendars (issue 22 §2): everyone signed in reads them; superusers write them.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { commit, one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  CreateHolidayCalendar,
  DayParams,
  Holiday,
  HolidayCalendar,
  HolidayCalendarPage,
  HolidayList,
  PutHoliday,
  YearQuery,
} from "./schemas";

const tags = ["holidays"];
const noCalendar = () => new ApiError("not_found", "No such holiday calendar.");
const noDay = () => new ApiError("not_found", "This calendar has no holiday on that date.");
const LOCK =
  "A day that starts (in the company's zone) before the payroll lock, or lies in a submitted or approved week of " +
  "anyone whose calendar this is (their own, or the company's for people without one), is 409 period_locked.";

export const holidays = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Holiday calendars, by id, a page at a time",
      description: "Every signed-in user may read them. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { query: PageQuery },
      responses: { 200: json(HolidayCalendarPage, "A page of calendars"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const { results } = await read(c, [q.listCalendars(c.get("database").db, idAfter(cursor), limit)]);
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a holiday calendar (superusers)",
      description: "Superusers only (403). A name in use is 409 name_taken. Fill it with PUT …/days/{date}.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateHolidayCalendar) },
      responses: { 201: json(HolidayCalendar, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => write(c, [], q.insertCalendar(c.get("database").db, c.req.valid("json")), 201, noCalendar),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One holiday calendar (its days: GET …/days?year=)",
      description: "Every signed-in user may read it.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(HolidayCalendar, "The calendar"), ...problems(401, 404, 422) },
    }),
    async (c) => one(c, q.findCalendar(c.get("database").db, c.req.valid("param").id), noCalendar),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/days",
      tags,
      summary: "A calendar's holidays of one year, in date order",
      description: "A plain list, not a page: a year has at most 366 days. An unknown calendar is 404.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam, query: YearQuery },
      responses: { 200: json(HolidayList, "The year's holidays"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      return one(c, q.yearOf(db, c.req.valid("param").id, c.req.valid("query").year), noCalendar);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/days/{date}",
      tags,
      summary: "One holiday of a calendar",
      description: "404 when the calendar has no holiday on that date (or does not exist).",
      ...access({ scope: "timelog:read" }),
      request: { params: DayParams },
      responses: { 200: json(Holiday, "The holiday"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { id, date } = c.req.valid("param");
      return one(c, q.findDay(c.get("database").db, id, date), noDay);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/days/{date}",
      tags,
      summary: "Set a holiday (superusers): 201 when the date was not one, 200 when it replaced it",
      description: `Superusers only (403). Idempotent: the same PUT again changes nothing (and audits nothing). ${LOCK} An unknown calendar is 404.`,
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: DayParams, headers: ConditionalWriteHeaders, body: body(PutHoliday) },
      responses: {
        200: json(Holiday, "Replaced"),
        201: json(Holiday, "Created"),
        ...problems(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id, date } = c.req.valid("param");
      const { db } = c.get("database");
      // If-Match names the day's version (its GET's ETag); the day's calendar is locked for it.
      const { checks } = ifMatch(c, "holiday_calendar", id, q.findDay(db, id, date));
      const res = await commit(c, [], q.putDay(db, id, date, c.req.valid("json")), 200, { checks });
      if (!res) throw noCalendar();
      c.header("ETag", res.body.etag);
      if (!res.body.created) return c.json(res.body.holiday, 200);
      c.header("Location", c.req.path);
      return c.json(res.body.holiday, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/days/{date}",
      tags,
      summary: "Remove a holiday (superusers)",
      description: `Superusers only (403). 404 when there is no holiday on that date. ${LOCK}`,
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: DayParams, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Removed"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, date } = c.req.valid("param");
      const { db } = c.get("database");
      const { checks } = ifMatch(c, "holiday_calendar", id, q.findDay(db, id, date));
      return writeNoContent(c, [], q.deleteDay(db, id, date), noDay, { checks });
    },
  );
