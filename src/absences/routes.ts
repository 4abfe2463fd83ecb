import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, emptyBodyIsNoBody, json } from "../lib/openapi";
import { decodeCursor, invalidCursor, pageOf } from "../lib/page";
import { type AppEnv, createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { Absence, AbsencePage, AbsenceQuery, CreateAbsence, Decision, PatchAbsence, RejectAbsence } from "./schemas";

const tags = ["absences"];
const notFound = () => new ApiError("not_found", "No such absence.");

/** Keyset cursor: the last row's first day and id, opaque to clients. */
function absenceAfter(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const [day = "", id = ""] = decodeCursor(cursor, 2);
  if (!/^\d{4}-\d\d-\d\d$/.test(day) || !/^\d{1,10}$/.test(id)) throw invalidCursor();
  return { day, id: Number(id) };
}

const DECISIONS = {
  approve: "Approve a requested absence (the person's manager or a superuser, never your own)",
  reject: "Reject a requested absence, saying why in comment (the person's manager or a superuser, never your own)",
  cancel: "Cancel a requested or approved absence (the person, their manager or a superuser)",
} as const;

const decisionRoute = (path: keyof typeof DECISIONS) =>
  createRoute({
    method: "post",
    path: `/{id}/${path}`,
    tags,
    summary: DECISIONS[path],
    description:
      path === "cancel"
        ? "409 (absence_not_live) when it is already rejected or cancelled; 409 (period_locked) in a locked week."
        : "403 own_absence for your own; 409 (absence_not_requested) unless requested; 409 (period_locked) in a locked week. " +
          "An absence you may not see is 404.",
    ...access({ scope: "timelog:write" }, emptyBodyIsNoBody),
    request: {
      params: IdParam,
      headers: ConditionalWriteHeaders,
      body:
        path === "reject"
          ? { required: true, content: { "application/json": { schema: RejectAbsence } } }
          : { required: false, content: { "application/json": { schema: Decision } } },
    },
    responses: { 200: json(Absence, "Decided"), ...problems(401, 403, 404, 409, 422) },
  });

/** { comment }: required to reject (422 without), optional to approve or cancel. */
function decide(c: Context<AppEnv>, id: number, decision: keyof typeof DECISIONS, given: unknown) {
  const comment = (given as { comment?: string } | undefined)?.comment ?? null;
  const { db } = c.get("database");
  const me = c.get("auth").userId;
  const query = q.decide(db, me, id, decision, comment);
  return write(c, [], query, 200, notFound, ifMatch(c, "absence", id, q.findAbsence(db, me, id)));
}

export const absences = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Request an absence (or file one for someone you manage)",
      description:
        "Dates are local dates in the person's zone, inclusive. Approved at once when the type needs no approval " +
        "or a manager or superuser files it for someone else (user_fk). 409: absence_overlap, period_locked, " +
        "insufficient_balance; 422: an archived type, half_day for a type taken by whole days or over more than one day, " +
        "dates outside 1970–9998 or over 366 days.",
      ...access({ scope: "timelog:write" }),
      request: { headers: IdempotencyHeader, body: body(CreateAbsence) },
      responses: { 201: json(Absence, "Requested (or approved)"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const me = c.get("auth").userId;
      const { user_fk, ...absence } = c.req.valid("json");
      return write(c, [], q.createAbsence(c.get("database").db, me, user_fk ?? me, absence), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Absences, latest first day first",
      description:
        "Without user_fk or team_fk: yours and those of the people you manage (everyone's, for a superuser). " +
        "user_fk needs that person, their manager or a superuser; team_fk a manager of the team or a superuser (403); " +
        "both together: both checks, and the person's absences only if they are in the team.",
      ...access({ scope: "timelog:read" }),
      request: { query: AbsenceQuery },
      responses: { 200: json(AbsencePage, "A page of absences"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      if (query.from && query.to && query.from > query.to) {
        throw new ApiError("invalid_range", "from must not be after to.");
      }
      const { db } = c.get("database");
      const filter = {
        viewerId: c.get("auth").userId,
        userId: query.user_fk,
        teamId: query.team_fk,
        from: query.from,
        to: query.to,
        status: query.status,
        typeId: query.type_fk,
        after: absenceAfter(query.cursor),
        limit: query.limit,
      };
      const scoped = query.user_fk !== undefined || query.team_fk !== undefined;
      const checks = scoped ? [q.assertScope(db, filter)] : [];
      const { results } = await read(c, [q.listAbsences(db, filter)], { checks });
      return c.json(
        pageOf(results[0], query.limit, (r) => [r.day, r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One absence (yours, someone's you manage, or anyone's for a superuser)",
      description: "Any other absence is 404.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Absence, "The absence"), ...problems(401, 404, 422) },
    }),
    async (c) => one(c, q.findAbsence(c.get("database").db, c.get("auth").userId, c.req.valid("param").id), notFound),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a requested absence",
      description:
        "Send only the fields to change; the same rules as a request. 409 (absence_not_requested) once decided or cancelled.",
      ...access({ scope: "timelog:write" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(PatchAbsence) },
      responses: { 200: json(Absence, "Updated"), ...problems(401, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const me = c.get("auth").userId;
      const query = q.patchAbsence(db, me, id, c.req.valid("json"));
      return write(c, [], query, 200, notFound, ifMatch(c, "absence", id, q.findAbsence(db, me, id)));
    },
  )
  .openapi(decisionRoute("approve"), async (c) => decide(c, c.req.valid("param").id, "approve", c.req.valid("json")))
  .openapi(decisionRoute("reject"), async (c) => decide(c, c.req.valid("param").id, "reject", c.req.valid("json")))
  .openapi(decisionRoute("cancel"), async (c) => decide(c, c.req.valid("param").id, "cancel", c.req.valid("json")));
