// POST /timelog/batch: a day of offline work uploaded in one round trip. The database applies the
// operations in order, each in its own savepoint (timelog_batch() in migrations/0048), through the
// same SQL and triggers as the single routes; here its refusals become the same problems.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { fromDbError } from "../db/errors";
import { commit } from "../db/request";
import { ApiError, problemBody } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { type AppEnv, createRouter } from "../lib/router";
import { IdempotencyHeader, problems } from "../lib/schemas";
import { Batch, BatchResults } from "./batch-schemas";
import * as q from "./queries";

type Result = BatchResults["results"][number];

/** One operation's answer: done, or the problem the single route would have answered. */
function toResult(c: Context<AppEnv>, answer: q.BatchAnswer): Result {
  if (answer.error === undefined) return { status: answer.status, body: answer.body };
  const { code, constraint, message, detail, hint } = answer.error;
  const cause = Object.assign(new Error(message), {
    code,
    constraint: constraint ?? undefined,
    detail: detail ?? undefined,
    hint: hint ?? undefined,
  });
  let err = fromDbError(cause);
  if (err === undefined) {
    console.error(`[${c.get("requestId")}] batch operation refused with an unmapped error`, code, constraint);
    err = new ApiError("internal", "Something went wrong on our side. Quote the request id when reporting it.");
  }
  return { status: err.status, problem: problemBody(c, err) } as Result;
}

export const batch = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/batch",
    tags: ["timelog"],
    summary: "Apply up to 100 creates, updates and deletes of time logs in one request",
    description:
      "For a queue of writes made offline. Operations run in the order given, each on its own: a refused one changes nothing and the others still apply. Each answers {status, body} (body: the log, null for a deletion) or {status, problem} (the problem the single route would answer). create is POST /timelog for yourself (a client_id you used before answers 200 with that log, 410 gone if it was deleted); update and delete name a log by id or by your client_id (also one created earlier in the batch) and refuse with 409 version_conflict (with `current`, the log as it is now) when if_match is not its ETag. A malformed operation or more than 100 is 422 for the whole batch.",
    ...access({ scope: "timelog:write" }),
    request: { headers: IdempotencyHeader, body: body(Batch) },
    responses: { 200: json(BatchResults, "One result per operation, in order"), ...problems(401, 422) },
  }),
  async (c) => {
    const { operations } = c.req.valid("json");
    const query = q.batchWrites(c.get("database").db, c.get("auth").userId, operations);
    const res = await commit(c, [], query, 200);
    const answers = (res?.body ?? []) as q.BatchAnswer[];
    return c.json({ results: answers.map((a) => toResult(c, a)) }, 200);
  },
);
