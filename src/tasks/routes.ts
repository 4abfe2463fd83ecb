import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, jsonTagged, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreateTask, Task, TaskPage, TaskParams, TaskQuery, UpdateTask } from "./schemas";

const tags = ["projects"];
const noProject = () => new ApiError("not_found", "No such project.");
const noTask = () => new ApiError("not_found", "No such task in this project.");

/** Mounted under /projects: a project's tasks (activities). */
export const tasks = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/tasks",
      tags,
      summary: "A project's tasks, by id, a page at a time",
      description: "Every signed-in user may read them; archived=true lists only archived ones.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam, query: TaskQuery },
      responses: { 200: json(TaskPage, "A page of tasks"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { limit, cursor, archived } = c.req.valid("query");
      const filter = archived === undefined ? undefined : archived === "true";
      const { results } = await read(c, [
        q.projectExists(db, id),
        q.listTasks(db, id, { limit, after: idAfter(cursor), archived: filter }),
      ]);
      if (!results[0][0]) throw noProject();
      return c.json(
        pageOf(results[1], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/tasks",
      tags,
      summary: "Add a task to a project (superusers)",
      description: "Superusers only (403). Names are unique within the project regardless of case (409 name_taken).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: IdempotencyHeader, body: body(CreateTask) },
      responses: { 201: jsonTagged(Task, "Created"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const query = q.insertTask(c.get("database").db, c.req.valid("param").id, c.req.valid("json"));
      return write(c, [], query, 201, noProject, { etag: true });
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}/tasks/{task_id}",
      tags,
      summary: "Rename or archive a task (superusers)",
      description:
        "Superusers only (403). An archived task stays on its logs; new logs cannot take it (422 task_archived).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: TaskParams, headers: ConditionalWriteHeaders, body: body(UpdateTask) },
      responses: { 200: json(Task, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, task_id } = c.req.valid("param");
      const { db } = c.get("database");
      const current = q.findTask(db, id, task_id);
      return write(
        c,
        [],
        q.updateTask(db, id, task_id, c.req.valid("json")),
        200,
        noTask,
        ifMatch(c, "task", task_id, current),
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/tasks/{task_id}",
      tags,
      summary: "Delete a task no log names (superusers)",
      description: "Superusers only (403). A task on time logs stays (409 task_in_use): archive it instead.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: TaskParams, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id, task_id } = c.req.valid("param");
      const { db } = c.get("database");
      const { checks } = ifMatch(c, "task", task_id, q.findTask(db, id, task_id));
      return writeNoContent(c, [], q.deleteTask(db, id, task_id), noTask, { checks });
    },
  );
