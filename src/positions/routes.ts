import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { type AppEnv, createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreatePosition, Position, PositionPage, ReplacePosition, UpdatePosition } from "./schemas";

const notFound = () => new ApiError("not_found", "No such position.");

/** PUT and PATCH differ only in which fields they require; both write the fields given. */
function savePosition(c: Context<AppEnv>, id: number, patch: Parameters<typeof q.updatePosition>[2]) {
  const { db } = c.get("database");
  const current = q.findPosition(db, c.get("auth").userId, id);
  return write(c, [], q.updatePosition(db, id, patch), 200, notFound, ifMatch(c, "position", id, current));
}
const tags = ["positions"];

export const positions = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Positions, by id, a page at a time (salary for superusers only)",
      description:
        "Every signed-in user may read positions; salary is left out unless the caller is a superuser. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { query: PageQuery },
      responses: { 200: json(PositionPage, "A page of positions"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listPositions(c.get("database").db, c.get("auth").userId, idAfter(cursor), limit);
      const { results } = await read(c, [query]);
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
      summary: "One position",
      description: "salary is left out unless the caller is a superuser.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Position, "The position"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const viewer = c.get("auth").userId;
      return one(c, q.findPosition(c.get("database").db, viewer, c.req.valid("param").id), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a position (superusers)",
      description: "Superusers only (403).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreatePosition) },
      responses: { 201: json(Position, "Created"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      return write(c, [], q.insertPosition(c.get("database").db, c.req.valid("json")), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}",
      tags,
      summary: "Replace a position (superusers)",
      description: "Superusers only (403). PUT takes the whole position; PATCH only the fields to change.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(ReplacePosition) },
      responses: { 200: json(Position, "Replaced"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => savePosition(c, c.req.valid("param").id, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a position (superusers)",
      description: "Superusers only (403). Send only the fields to change.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(UpdatePosition) },
      responses: { 200: json(Position, "Updated"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => savePosition(c, c.req.valid("param").id, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a position nobody holds (superusers); one in use → 409",
      description: "Superusers only (403). 409 (in_use) while any user holds the position.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "position", id, q.findPosition(db, c.get("auth").userId, id));
      return writeNoContent(c, [], q.deletePosition(db, id), notFound, { checks });
    },
  );
