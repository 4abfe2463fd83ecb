import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id } from "../lib/schemas";
import { Email, Password, TokenPair, User, Username } from "../users/schemas";

const Role = z.enum(["member", "manager"]);
const Status = z.enum(["pending", "accepted", "revoked", "expired"]);

export const CreateInvitation = z
  .strictObject({
    email: Email,
    position_fk: Id.optional().openapi({
      description:
        "the new account's position; none: the lowest position id. Managers: only a position open for self-registration",
    }),
    team_fk: Id.optional().openapi({
      description:
        "the team the person joins on accepting (required of managers); joined only while the inviter is still a superuser or a manager of it, else the account is made without it",
    }),
    role: Role.default("member").openapi({ description: "their role in team_fk (managers may only invite members)" }),
  })
  .refine((b) => b.team_fk !== undefined || b.role === "member", {
    message: "role manager needs a team_fk",
    path: ["role"],
  })
  .openapi("CreateInvitation");

export const Invitation = z
  .object({
    id: Id,
    email: z.string(),
    position_fk: Id.nullable(),
    team_fk: Id.nullable(),
    role: Role,
    status: Status.openapi({ description: "expired: the 7 days passed unaccepted (resend renews it)" }),
    invited_by: Id.nullable(),
    created_at: z.iso.datetime({ offset: true }),
    expires_at: z.iso.datetime({ offset: true }),
    accepted_at: z.iso.datetime({ offset: true }).nullable(),
    revoked_at: z.iso.datetime({ offset: true }).nullable(),
  })
  .openapi("Invitation");
export type Invitation = z.infer<typeof Invitation>;

export const InvitationPage = pageSchema(Invitation, "InvitationPage");

export const InvitationQuery = PageQuery.extend({
  status: Status.optional().openapi({ description: "only invitations in this state" }),
});

export const AcceptInvitation = z
  .strictObject({
    token: z.string().min(1).max(200).openapi({ description: "the token from the invitation link's fragment" }),
    username: Username,
    password: Password,
  })
  .openapi("AcceptInvitation");

/** The new account, signed in: the tokens of POST /users/login and the user. */
export const AcceptedInvitation = TokenPair.extend({ user: User }).openapi("AcceptedInvitation");
