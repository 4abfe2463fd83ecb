// Who is clocked in now, on what (issue 25 §1, the MCP tool team_status; h-mcp): the running timers
// of the people you manage, or of everyone for a superuser, in one statement. The partial unique
// index on open logs (timelog_one_open_per_user) is the keyset: only running timers are read.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { json } from "../lib/openapi";
import { idAfter, PageQuery, pageOf, pageSchema } from "../lib/page";
import { createRouter } from "../lib/router";
import { Id, problems } from "../lib/schemas";
import { Timelog } from "./schemas";

export const Running = z
  .object({
    user_fk: Id,
    username: z.string(),
    project_name: z.string().openapi({ description: "the log's project (its secret_name)" }),
    log: Timelog,
  })
  .openapi("RunningTimer");
export const RunningPage = pageSchema(Running, "RunningTimerPage");

/** Mounted under /timelog, before the routes with /{id}. */
export const running = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/running",
    tags: ["timelog"],
    summary: "Who is clocked in now, on what: the running timers of the people you manage",
    description:
      "Managers see their teams' people, superusers everyone; your own timer is GET /timelog/current. Ordered by " +
      "user_fk; someone who manages nobody gets an empty list.",
    ...access({ scope: "timelog:read" }),
    request: { query: PageQuery },
    responses: { 200: json(RunningPage, "A page of running timers"), ...problems(401, 422) },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const viewer = c.get("auth").userId;
    const after = idAfter(cursor) ?? 0;
    const query = c
      .get("database")
      .db.selectFrom("timelog")
      .innerJoin("app_user", "app_user.id", "timelog.user_fk")
      .innerJoin("project", "project.id", "timelog.project_fk")
      .select([
        "timelog.user_fk",
        sql<z.infer<typeof Running>>`jsonb_build_object('user_fk', timelog.user_fk, 'username', app_user.username,
          'project_name', project.secret_name, 'log', timelog_json(timelog))`.as("body"),
      ])
      .where("timelog.end_time", "is", null)
      .where("timelog.user_fk", ">", after)
      .where("timelog.user_fk", "<>", viewer)
      .where(sql<boolean>`may_act_for(${viewer}::int, timelog.user_fk)`)
      .orderBy("timelog.user_fk")
      .limit(limit + 1);
    const { results } = await read(c, [query]);
    return c.json(
      pageOf(results[0], limit, (r) => [r.user_fk]),
      200,
    );
  },
);
