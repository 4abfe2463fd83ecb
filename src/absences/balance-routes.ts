// A person's absence balances and allowances: routes under /users/{id}.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { one, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { Allowance, AllowanceParams, Balance, BalanceQuery, SetAllowance } from "./schemas";

const tags = ["absences"];
const noUser = () => new ApiError("not_found", "No such user.");

export const absenceBalances = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/absence-balance",
      tags,
      summary: "A person's absence balance per type for a year (in days)",
      description:
        "The person, their managers and superusers (403 otherwise). remaining = entitlement + carried_over (only the " +
        "part used by carried_over_expires once that date has passed) − taken − planned; null without an allowance.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam, query: BalanceQuery },
      responses: { 200: json(Balance, "The balances"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { db } = c.get("database");
      const me = c.get("auth").userId;
      const checks = id === me ? [] : [q.assertScope(db, { viewerId: me, userId: id, limit: 0 })];
      return one(c, q.balance(db, id, c.req.valid("query").year), noUser, { checks });
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/allowances/{type_fk}/{year}",
      tags,
      summary: "Set a person's entitlement of one type for one year (superusers)",
      description: "Superusers only (403). Overrides the type's annual_allowance_days for that person and year.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: AllowanceParams, headers: IdempotencyHeader, body: body(SetAllowance) },
      responses: { 200: json(Allowance, "The allowance"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, type_fk, year } = c.req.valid("param");
      const query = q.setAllowance(c.get("database").db, id, type_fk, year, c.req.valid("json").days);
      return write(c, [], query, 200, noUser);
    },
  );
