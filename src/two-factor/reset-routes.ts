// A superuser turns off someone's two-factor sign-in (a lost phone and lost recovery codes): the
// factor and codes go, the person's logins end, they are emailed, and the audit names the superuser.
// Sessions only: a script's API token must not be able to strip a person's second factor.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { ApiError } from "../lib/errors";
import { noContent } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { IdParam, problems } from "../lib/schemas";
import * as q from "./queries";

export const twoFactorReset = createRouter().openapi(
  createRoute({
    method: "delete",
    path: "/{id}/totp",
    tags: ["users"],
    summary: "Turn off a person's two-factor sign-in (superusers, signed in): for a lost authenticator",
    description:
      "Superusers only, with a signed-in session (an API token is 403 insufficient_scope). Removes the person's factor and recovery codes, ends all of their logins, emails them a notice and audits user.totp_disabled with you as actor. 404 for no such person, 409 two_factor_not_enabled when they have none, 403 own_two_factor for yourself (use DELETE /users/me/totp).",
    ...access({ scope: null, role: "superuser" }),
    request: { params: IdParam },
    responses: { 204: noContent("Turned off"), ...problems(401, 403, 404, 409, 422) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { results } = await read(c, [q.reset(c.get("database").db, c.get("auth").userId, id)], { write: true });
    if (!results[0][0]?.reset) throw new ApiError("not_found", "No such user.");
    return c.body(null, 204);
  },
);
