import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreateRate, Rate, RatePage, RateQuery } from "./schemas";

const tags = ["rates"];

export const rates = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Add a rate, effective from a day on (superusers)",
      description:
        "Superusers only (403). A new rate never rewrites the past: logs starting before effective_from keep the rate then in effect. One rate per target and day (409 rate_exists).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateRate) },
      responses: { 201: json(Rate, "Added"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(
        c,
        [],
        q.insertRate(c.get("database").db, c.req.valid("json")),
        201,
        () => new ApiError("internal", "The rate was not stored."),
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "The rate card (superusers)",
      description: "Superusers only (403): filter by kind, project_fk, user_fk, position_fk.",
      ...access({ scope: "timelog:read", role: "superuser" }),
      request: { query: RateQuery },
      responses: { 200: json(RatePage, "A page of rates"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor, ...filter } = c.req.valid("query");
      const query = q.listRates(c.get("database").db, filter, idAfter(cursor), limit);
      const rows = (await read(c, [query])).results[0];
      return c.json(
        pageOf(rows, limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Remove a rate (superusers)",
      description: "Superusers only (403). Logs it priced fall back to the rate before it.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Removed"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      return writeNoContent(
        c,
        [],
        q.deleteRate(c.get("database").db, c.req.valid("param").id),
        () => new ApiError("not_found", "No such rate."),
      );
    },
  );
