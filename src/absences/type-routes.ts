import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { AbsenceType, AbsenceTypePage, AbsenceTypeQuery, CreateAbsenceType, PatchAbsenceType } from "./schemas";

const tags = ["absences"];
const notFound = () => new ApiError("not_found", "No such absence type.");
const superusers = access({ scope: "admin", role: "superuser" });

export const absenceTypes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Absence types, by id (archived ones too)",
      description: "Every signed-in user may read them. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { query: AbsenceTypeQuery },
      responses: { 200: json(AbsenceTypePage, "A page of absence types"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const { results } = await read(c, [q.listTypes(c.get("database").db, idAfter(cursor), limit)]);
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One absence type",
      description: "Every signed-in user may read it.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(AbsenceType, "The type"), ...problems(401, 404, 422) },
    }),
    async (c) => one(c, q.findType(c.get("database").db, c.req.valid("param").id), notFound),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create an absence type (superusers)",
      description: "Superusers only (403). A name in use is 409.",
      ...superusers,
      request: { headers: IdempotencyHeader, body: body(CreateAbsenceType) },
      responses: { 201: json(AbsenceType, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => write(c, [], q.insertType(c.get("database").db, c.req.valid("json")), 201, notFound),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change an absence type, or archive it (superusers)",
      description:
        "Superusers only (403). Send only the fields to change. An archived type takes no new absences; " +
        "existing ones keep it.",
      ...superusers,
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(PatchAbsenceType) },
      responses: { 200: json(AbsenceType, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const query = q.updateType(db, id, c.req.valid("json"));
      return write(c, [], query, 200, notFound, ifMatch(c, "absence_type", id, q.findType(db, id)));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete an absence type nobody used (superusers); one in use → 409",
      description: "Superusers only (403). 409 (absence_type_in_use) while any absence has it: archive it instead.",
      ...superusers,
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "absence_type", id, q.findType(db, id));
      return writeNoContent(c, [], q.deleteType(db, id), notFound, { checks });
    },
  );
