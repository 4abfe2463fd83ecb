// Mounted under /users: the apps a person connected with OAuth, and disconnecting one. Signed-in
// sessions only: an app's own token can neither list nor revoke grants.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { json, noContent } from "../lib/openapi";
import { idAfter, PageQuery, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { ConnectedAppPage } from "./schemas";

const tags = ["oauth"];

export const myApps = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/me/apps",
      tags,
      summary: "Apps and assistants you connected with OAuth (live grants)",
      description:
        "Each live grant (one that issued tokens, or whose one-time code is still unused and valid): the app (client) name and id, the scopes you allowed, the resource its tokens are for, when you allowed it and when it last used a token (to the minute). Signed-in sessions only.",
      ...access({ scope: null }),
      request: { query: PageQuery },
      responses: { 200: json(ConnectedAppPage, "A page of connected apps"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const query = q.listApps(c.get("database").db, c.get("auth").userId, idAfter(cursor), limit);
      return c.json(
        pageOf((await read(c, [query])).results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/apps/{id}",
      tags,
      summary: "Disconnect an app: its grant and every token of it stop working at once",
      description:
        "The app's access and refresh tokens are refused from the next request (401). Audited (app.revoked). Someone else's grant, or one already revoked, is 404.",
      ...access({ scope: null }),
      request: { params: IdParam, headers: IdempotencyHeader },
      responses: { 204: noContent("Disconnected"), ...problems(401, 403, 404, 422) },
    }),
    async (c) => {
      const query = q.revokeApp(c.get("database").db, c.get("auth").userId, c.req.valid("param").id);
      return writeNoContent(c, [], query, () => new ApiError("not_found", "No such connected app."));
    },
  );
