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
import { Client, ClientPage, ClientQuery, CreateClient, UpdateClient } from "./schemas";

const tags = ["clients"];
const notFound = () => new ApiError("not_found", "No such client.");

export const clients = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Clients, by id, a page at a time",
      description: "Every signed-in user may read clients' names; archived=true lists only archived ones.",
      ...access({ scope: "timelog:read" }),
      request: { query: ClientQuery },
      responses: { 200: json(ClientPage, "A page of clients"), ...problems(401, 422) },
    }),
    async (c) => {
      const { limit, cursor, archived } = c.req.valid("query");
      const filter = archived === undefined ? undefined : archived === "true";
      const query = q.listClients(c.get("database").db, { limit, after: idAfter(cursor), archived: filter });
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
      summary: "One client",
      description: "Every signed-in user may read it.",
      ...access({ scope: "timelog:read" }),
      request: { params: IdParam },
      responses: { 200: json(Client, "The client"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      return one(c, q.findClient(c.get("database").db, c.req.valid("param").id), notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a client (superusers)",
      description: "Superusers only (403). Names are unique regardless of case (409 name_taken).",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(CreateClient) },
      responses: { 201: json(Client, "Created"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      return write(c, [], q.insertClient(c.get("database").db, c.req.valid("json")), 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Rename or archive a client (superusers)",
      description: "Superusers only (403). Archiving keeps the client on its projects and in reports.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders, body: body(UpdateClient) },
      responses: { 200: json(Client, "Updated"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const query = q.updateClient(db, id, c.req.valid("json"));
      return write(c, [], query, 200, notFound, ifMatch(c, "client", id, q.findClient(db, id)));
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a client without projects (superusers)",
      description: "Superusers only (403). A client that projects name stays (409 client_in_use): archive it.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam, headers: ConditionalWriteHeaders },
      responses: { 204: noContent("Deleted"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const { id } = c.req.valid("param");
      const { checks } = ifMatch(c, "client", id, q.findClient(db, id));
      return writeNoContent(c, [], q.deleteClient(db, id), notFound, { checks });
    },
  );
