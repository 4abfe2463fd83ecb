import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreateTeam, Member, MemberPage, MemberParams, PutMember, Team, TeamPage, UpdateTeam } from "./schemas";

const tags = ["teams"];
const notFound = () => new ApiError("not_found", "No such team.");
const noMember = () => new ApiError("not_found", "This user is not in this team.");

export const teams = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Teams: all of them for superusers, the ones you are in for everyone else",
      description: "Ordered by id, a page at a time: pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { query: PageQuery },
      responses: { 200: json(TeamPage, "A page of teams"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listTeams(c.get("database").db, c.get("auth").userId, idAfter(cursor), limit);
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
      summary: "One team (superusers, or its members)",
      description: "A team you are not in is 404 unless you are a superuser.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Team, "The team"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const query = q.findTeam(c.get("database").db, c.req.valid("param").id, c.get("auth").userId);
      return one(c, query, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a team (superusers)",
      description: "Superusers only (403). 409 when a team of that name exists.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateTeam) },
      responses: { 201: json(Team, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(c, [], q.insertTeam(c.get("database").db, c.req.valid("json")), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Rename or describe a team (superusers)",
      description: "Superusers only (403). Send only the fields to change; 409 when the new name is taken.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(UpdateTeam) },
      responses: { 200: json(Team, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const current = q.findTeam(db, id, c.get("auth").userId);
      return write(c, [], q.updateTeam(db, id, c.req.valid("json")), 200, notFound, ifMatch(c, "team", id, current));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a team and its memberships (superusers; each removal is audited)",
      description: "Superusers only (403). Each membership it ends is written to the audit trail.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "team", id, q.findTeam(db, id, c.get("auth").userId));
      return writeNoContent(c, [], q.deleteTeam(db, id), notFound, { checks });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/members",
      tags,
      summary: "A team's members and managers (superusers, or the team's own people)",
      description: "A team you are not in is 404 unless you are a superuser. Pass next_cursor back as cursor.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam, query: PageQuery },
      responses: { 200: json(MemberPage, "A page of members"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const { results } = await read(c, [
        q.findTeam(db, id, c.get("auth").userId),
        q.listMembers(db, id, idAfter(cursor), limit),
      ]);
      if (!results[0][0]) throw notFound();
      return c.json(
        pageOf(results[1], limit, (r) => [r.user_fk]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/members/{user_id}",
      tags,
      summary: "Put a user in a team as member or manager, or change their role (superusers)",
      description: "Superusers only (403). A manager sees and decides on the time and weeks of the team's members.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: MemberParams, headers: IdempotencyHeader, body: body(PutMember) },
      responses: { 200: json(Member, "The membership"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, user_id } = c.req.valid("param");
      const { role } = c.req.valid("json");
      return write(c, [], q.putMember(c.get("database").db, id, user_id, role), 200, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/members/{user_id}",
      tags,
      summary: "Take a user out of a team (superusers)",
      description: "Superusers only (403). 404 when the user is not in the team.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: MemberParams, headers: IdempotencyHeader },
      responses: { 204: noContent("Removed"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, user_id } = c.req.valid("param");
      return writeNoContent(c, [], q.deleteMember(c.get("database").db, id, user_id), noMember);
    },
  );
