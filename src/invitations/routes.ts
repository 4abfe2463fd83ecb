// Invitations (issue 23 §2): superusers invite anyone, a team's managers invite members into
// their team. Every rule is the database's (invitation_create/invitation_renew, 0038, 0044); the
// token is made here, travels only in the email, and only its hash is stored.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read, write, writeNoContent } from "../db/request";
import { ApiError } from "../lib/errors";
import { newLinkToken } from "../lib/link-token";
import { body, json, noContent } from "../lib/openapi";
import { idAfter, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, IdParam, problems } from "../lib/schemas";
import * as q from "./queries";
import { CreateInvitation, Invitation, InvitationPage, InvitationQuery } from "./schemas";

const tags = ["invitations"];
const notFound = () => new ApiError("not_found", "No such invitation.");
const WHO =
  "Superusers: any invitation. A team's managers: those for their team (role member); anything else is 403 not_manager.";

export const invitations = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Invite someone by email to create their account (superusers; a team's managers for members)",
      description: `${WHO} Emails a one-time link (7 days) to /accept-invitation of the front end; the token is never in an answer. A manager names no position (the default) or one open for self-registration, else 403 position_not_open. 409 email_taken when the address has an account, invitation_pending when it has a pending invitation (resend that one). 422 unknown_position or unknown_reference for a position or team that does not exist.`,
      ...access({ scope: "admin" }),
      request: { headers: IdempotencyHeader, body: body(CreateInvitation) },
      responses: { 201: json(Invitation, "Invited; the email is queued"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const link = await newLinkToken("inv");
      const query = q.createInvitation(c.get("database").db, c.get("auth").userId, c.req.valid("json"), link);
      return write(c, [], query, 201, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Invitations, newest first (superusers: all; managers: their teams')",
      description: "Filter by status. A page at a time: pass next_cursor back as cursor.",
      ...access({ scope: "admin" }),
      request: { query: InvitationQuery },
      responses: { 200: json(InvitationPage, "A page of invitations"), ...problems(401, 422) },
    }),
    async (c) => {
      const { status, cursor, limit } = c.req.valid("query");
      const query = q.listInvitations(c.get("database").db, c.get("auth").userId, status, idAfter(cursor), limit);
      const { results } = await read(c, [query]);
      return c.json(
        pageOf(results[0], limit, (r) => [r.id]),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Revoke a pending invitation: its link stops working",
      description: `${WHO} An invitation you may not see is 404; one you see but could not have made (a manager-role one, for a manager) is 403 not_manager; one that is accepted, revoked or expired is 409 invitation_not_pending.`,
      ...access({ scope: "admin" }),
      request: { params: IdParam },
      responses: { 204: noContent("Revoked"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const query = q.renewInvitation(c.get("database").db, c.get("auth").userId, c.req.valid("param").id);
      return writeNoContent(c, [], query, notFound);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/resend",
      tags,
      summary: "Send a pending or expired invitation again, with a new link (the old one stops working)",
      description: `${WHO} The expiry starts over (7 days). 404 for an invitation you may not see; 403 not_manager for one you see but could not have made (a manager-role one, for a manager); 409 invitation_not_pending when it was accepted or revoked, email_taken when the address has an account by now, invitation_pending when a newer invitation for the address is pending (resend that one).`,
      ...access({ scope: "admin" }),
      request: { params: IdParam },
      responses: { 200: json(Invitation, "Sent again"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const link = await newLinkToken("inv");
      const query = q.renewInvitation(c.get("database").db, c.get("auth").userId, c.req.valid("param").id, link);
      return write(c, [], query, 200, notFound);
    },
  );
