import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { one, read, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  AdjustmentPage,
  AdjustmentQuery,
  Adjustment as AdjustmentSchema,
  CreateAdjustment,
  MAX_DAYS,
  TimeAccount,
  TimeAccountQuery,
  UserParam,
} from "./schemas";

const tags = ["time-account"];
const notFound = () => new ApiError("not_found", "No such user.");
const DAY_MS = 86_400_000;

/**
 * A range the account refuses before asking the database: backwards, longer than a leap year, or
 * starting more than a year past today (the opening balance sums every date from the account's
 * start, so a far-future `from` would be decades of dates).
 */
function checkRange(from: string, to: string) {
  const lo = Date.parse(from);
  const hi = Date.parse(to);
  if (hi < lo) throw new ApiError("invalid_range", "from must not be after to.");
  if ((hi - lo) / DAY_MS + 1 > MAX_DAYS) {
    throw new ApiError("range_too_long", `An account covers at most ${MAX_DAYS} days a request.`);
  }
  if (lo > Date.now() + MAX_DAYS * DAY_MS) {
    throw new ApiError("range_too_long", "The account reaches at most a year past today.");
  }
}

export const timeAccount = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/time-account",
      tags,
      summary: "A person's working-time account: per local date expected, worked, credited, balance (seconds)",
      description:
        "The person, their managers and superusers (403 otherwise). All amounts are integer seconds. " +
        `At most ${MAX_DAYS} days (422 range_too_long); from after to is 422 invalid_range.`,
      ...access({ scope: "timelog:read", heavy: true }),
      request: { params: UserParam, query: TimeAccountQuery },
      responses: { 200: json(TimeAccount, "The account over the range"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { from, to } = c.req.valid("query");
      checkRange(from, to);
      const { db } = c.get("database");
      return one(c, q.account(db, id, from, to), notFound, {
        checks: [q.assertMayRead(db, c.get("auth").userId, id)],
      });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/time-account/adjustments",
      tags,
      summary: "A person's time-account adjustments, by id",
      description: "The person, their managers and superusers (403 otherwise).",
      ...access({ scope: "timelog:read" }),
      request: { params: UserParam, query: AdjustmentQuery },
      responses: { 200: json(AdjustmentPage, "A page of adjustments"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const { db } = c.get("database");
      const { results } = await read(c, [q.listAdjustments(db, id, idAfter(cursor), limit)], {
        checks: [q.assertMayRead(db, c.get("auth").userId, id)],
      });
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/time-account/adjustments",
      tags,
      summary: "Adjust a person's time account: an opening balance, overtime paid out (superusers)",
      description:
        "Superusers only (403). hours is decimal (negative takes time off the account), stored as whole " +
        "seconds; audited as time_account.adjusted. Adjustments count in the account, not in timesheets. " +
        "A date before the company lock (in the company's zone) is 409 period_locked.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: UserParam, headers: IdempotencyHeader, body: body(CreateAdjustment) },
      responses: { 201: json(AdjustmentSchema, "Added"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const actor = c.get("auth").userId;
      return write(c, [], q.insertAdjustment(db, actor, c.req.valid("param").id, c.req.valid("json")), 201, notFound);
    },
  );
