import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { type AppEnv, createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import {
  CreateProject,
  Project,
  ProjectBudget,
  ProjectPage,
  ProjectQuery,
  ReplaceProject,
  UpdateProject,
} from "./schemas";

const tags = ["projects"];
const notFound = () => new ApiError("not_found", "No such project.");

/** PUT and PATCH differ only in which fields they require; both write the fields given. */
function saveProject(c: Context<AppEnv>, id: number, patch: Parameters<typeof q.updateProject>[2]) {
  const { db } = c.get("database");
  const current = q.findProject(db, id, c.get("auth").userId);
  return write(c, [], q.updateProject(db, id, patch), 200, notFound, ifMatch(c, "project", id, current));
}

export const projects = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Projects, by id, a page at a time",
      description:
        "Every signed-in user may read projects; archived=true lists only archived ones, false only active ones. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { query: ProjectQuery },
      responses: { 200: json(ProjectPage, "A page of projects"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor, archived, client_fk } = c.req.valid("query");
      const filter = archived === undefined ? undefined : archived === "true";
      const opts = { limit, after: idAfter(cursor), archived: filter, client: client_fk };
      const { results } = await read(c, [q.listProjects(c.get("database").db, c.get("auth").userId, opts)]);
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
      summary: "One project",
      description: "Archived projects too (no time can be logged to them).",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Project, "The project"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      return one(c, q.findProject(c.get("database").db, c.req.valid("param").id, c.get("auth").userId), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a project (superusers)",
      description:
        "Superusers only (403). 409 when it conflicts with an existing project. A retry with the same Idempotency-Key answers the first response.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateProject) },
      responses: { 201: json(Project, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(c, [], q.insertProject(c.get("database").db, c.req.valid("json")), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}",
      tags,
      summary: "Replace a project (superusers)",
      description: "Superusers only (403). PUT takes the whole project; PATCH only the fields to change.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(ReplaceProject) },
      responses: { 200: json(Project, "Replaced"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => saveProject(c, c.req.valid("param").id, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change or archive a project (superusers)",
      description:
        "Superusers only (403). Send only the fields to change; is_archived true archives the project, so no time can be logged to it.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(UpdateProject) },
      responses: { 200: json(Project, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => saveProject(c, c.req.valid("param").id, c.req.valid("json")),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a project without logs (superusers); one with logs → 409, archive it instead",
      description: "Superusers only (403). A project with time logs stays (409, project_has_logs): archive it instead.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "project", id, q.findProject(db, id, c.get("auth").userId));
      return writeNoContent(c, [], q.deleteProject(db, id), notFound, { checks });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/budget",
      tags,
      summary: "A project's budget: used, remaining, percentage, exceeded (running timers counted to now)",
      description:
        "Every signed-in user sees the hours; the money budget only superusers. For month budgets, the current month in the company's zone.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(ProjectBudget, "The budget now"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const query = q.projectBudget(c.get("database").db, c.req.valid("param").id, c.get("auth").userId);
      return one(c, query, notFound);
    },
  );
