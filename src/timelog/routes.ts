import { createRoute, type z } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write, writeAnswered, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, emptyBodyIsNoBody, json, noContent } from "../lib/openapi";
import { decodeCursor, invalidCursor, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  ClockIn,
  Close,
  Current,
  ListQuery,
  PatchTimelog,
  Switch,
  SwitchResult,
  Timelog,
  TimelogPage,
} from "./schemas";

const tags = ["timelog"];
const notFound = () => new ApiError("not_found", "No such time log.");
const nothingOpen = () => new ApiError("nothing_open", "No time log is running.");
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { "application/json": { schema } },
});

/** Keyset cursor for lists: the last row's start time and id, opaque to clients. */
function logAfter(cursor: string): { start: string; id: number } {
  const [start = "", id = ""] = decodeCursor(cursor, 2);
  if (Number.isNaN(Date.parse(start)) || !/^\d{1,10}$/.test(id)) throw invalidCursor();
  return { start, id: Number(id) };
}

export const timelog = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Clock in now (or record a finished past entry with start_time and end_time)",
      description:
        "Without start_time and end_time the log starts now (or at `at`, the device's time of a clock-in made offline) and runs until closed (409 when one is already running); with both it is a finished entry. user_fk: someone you manage, or anyone for a superuser. client_id makes the create idempotent without a header: the same client_id again answers 200 with the log it created, unchanged whatever else is sent, and 410 gone once that log was deleted. Locked time is 409; the company's limits are 422.",
      ...access({ scope: "timelog:write" }),
      request: { headers: IdempotencyHeader, body: body(ClockIn) },
      responses: {
        200: json(Timelog, "This person's log with this client_id, unchanged"),
        201: json(Timelog, "Started or recorded"),
        ...problems(401, 403, 409, 410, 422),
      },
    }),
    async (c) => {
      const me = c.get("auth").userId;
      const { db } = c.get("database");
      const { user_fk, ...input } = c.req.valid("json");
      const userId = user_fk ?? me;
      // For someone else: the database checks first that you manage them (or are a superuser).
      const checks = userId === me ? [] : [q.assertMayActFor(db, me, userId)];
      return writeAnswered<Timelog, 200 | 201>(c, checks, q.createLog(db, userId, input), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/close",
      tags,
      summary: "Stop the running timer (at now, or at a given end_time for a forgotten one)",
      description:
        "The body is optional: end_time closes a forgotten timer at that time instead of now; at is the device's time of a clock-out made offline (the log's source becomes offline). 404 when no log is running.",
      ...access({ scope: "timelog:write" }, emptyBodyIsNoBody),
      request: { headers: IdempotencyHeader, body: optionalBody(Close) },
      responses: { 200: json(Timelog, "Closed"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { userId } = c.get("auth");
      const input = (c.req.valid("json") as z.infer<typeof Close> | undefined) ?? {};
      return write(c, [], q.closeOpenLog(c.get("database").db, userId, input), 200, nothingOpen);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/switch",
      tags,
      summary: "Stop the running log and start another at the same instant",
      description:
        "One transaction, one instant (now, or `at`, the device's time of a switch made offline): neither gap nor overlap. Answers the new log (started) and the one stopped (stopped, null when none was running).",
      ...access({ scope: "timelog:write" }),
      request: { headers: IdempotencyHeader, body: body(Switch) },
      responses: { 201: json(SwitchResult, "Switched"), ...problems(401, 409, 422) },
    }),
    async (c) => {
      const { userId } = c.get("auth");
      const { db } = c.get("database");
      const input = c.req.valid("json");
      // One transaction: both statements use its now(), so there is neither gap nor overlap.
      return write(
        c,
        [q.closeOpenLogForSwitch(db, userId, input.project_fk, input.at), q.insertLog(db, userId, input)],
        q.switchResult(db, userId),
        201,
        notFound,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/current",
      tags,
      summary: "The running time log, if any",
      description: "open says whether a log is running; log is that log, or null.",
      ...access({ scope: "timelog:read" }),
      responses: { 200: json(Current, "open: whether a log is running"), ...problems(401) },
    }),
    async (c) => {
      const { results } = await read(c, [q.findOpenLog(c.get("database").db, c.get("auth").userId)]);
      const [row] = results[0];
      return c.json({ open: row !== undefined, log: row?.body ?? null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Your time logs, newest first",
      description:
        "Filter by from, to, project_fk, client_fk, task_fk, tag_fk and status; user_fk: someone you manage, or anyone for a superuser (403 otherwise). To sync, use GET /timelog/changes.",
      ...access({ scope: "timelog:read" }),
      request: { query: ListQuery },
      responses: {
        200: json(TimelogPage, "A page of logs"),
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      if (c.req.query("changed_since") !== undefined) {
        throw new ApiError(
          "validation_failed",
          "changed_since was retired in 0.2.0: sync with GET /timelog/changes?since=.",
          {
            errors: [{ path: "query.changed_since", message: "use GET /timelog/changes?since=" }],
          },
        );
      }
      const me = c.get("auth").userId;
      const userId = query.user_fk ?? me;
      const { db } = c.get("database");
      // Someone else's logs: the database checks first that you manage them (or are a superuser).
      const checks = userId === me ? [] : [q.assertMayActFor(db, me, userId)];
      if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
        throw new ApiError("invalid_range", "from must be before to.");
      }
      const filter = {
        userId,
        from: query.from,
        to: query.to,
        projectId: query.project_fk,
        clientId: query.client_fk,
        taskId: query.task_fk,
        tagId: query.tag_fk,
        status: query.status,
        after: query.cursor === undefined ? undefined : logAfter(query.cursor),
        limit: query.limit,
      };
      const { results } = await read(c, [q.listLogs(db, filter)], { checks });
      return c.json(
        pageOf(results[0], query.limit, (r) => [r.body.start_time, r.body.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One time log (yours, someone's you manage, or anyone's for a superuser)",
      description: "Any other log is 404.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Timelog, "The log"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      return one(c, q.findLog(c.get("database").db, c.req.valid("param").id, c.get("auth").userId), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Fix a time log: project, times, note",
      description:
        "Send only the fields to change. Locked time (a submitted or approved week, or closed payroll) is 409; the company's limits are 422.",
      ...access({ scope: "timelog:write" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(PatchTimelog) },
      responses: { 200: json(Timelog, "Updated"), ...problems(401, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const me = c.get("auth").userId;
      const query = q.updateLog(db, id, me, c.req.valid("json"));
      return write(c, [], query, 200, notFound, ifMatch(c, "timelog", id, q.findLog(db, id, me)));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a time log",
      description: "The log's history keeps the deletion, and sync clients get it as a tombstone.",
      ...access({ scope: "timelog:write" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const me = c.get("auth").userId;
      const { checks } = ifMatch(c, "timelog", id, q.findLog(db, id, me));
      return writeNoContent(c, [], q.deleteLog(db, id, me), notFound, { checks });
    },
  );
