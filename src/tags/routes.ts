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
import { PageQuery, SaveTag, Tag, TagPage } from "./schemas";

const tags = ["tags"];
const notFound = () => new ApiError("not_found", "No such tag.");

export const tagRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Tags, by id, a page at a time",
      description: "Every signed-in user may read tags, to put them on their logs.",
      ...access({ scope: "timelog:read" }),
      request: { query: PageQuery },
      responses: { 200: json(TagPage, "A page of tags"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listTags(c.get("database").db, { limit, after: idAfter(cursor) });
      const rows = (await read(c, [query])).results[0];
      return c.json(
        pageOf(rows, limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One tag",
      description: "Every signed-in user may read it.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Tag, "The tag"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      return one(c, q.findTag(c.get("database").db, c.req.valid("param").id), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a tag (superusers)",
      description: "Superusers only (403). Names are unique regardless of case (409 name_taken).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(SaveTag) },
      responses: { 201: json(Tag, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(c, [], q.insertTag(c.get("database").db, c.req.valid("json").name), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Rename a tag (superusers)",
      description: "Superusers only (403). The logs that carry it keep it, under its new name.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(SaveTag) },
      responses: { 200: json(Tag, "Renamed"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const query = q.renameTag(db, id, c.req.valid("json").name);
      return write(c, [], query, 200, notFound, ifMatch(c, "tag", id, q.findTag(db, id)));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a tag no log carries (superusers)",
      description:
        "Superusers only (403). A tag on any time log stays (409 tag_in_use): logs, locked weeks included, never change silently.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "tag", id, q.findTag(db, id));
      return writeNoContent(c, [], q.deleteTag(db, id), notFound, { checks });
    },
  );
