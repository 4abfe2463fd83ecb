// Accepting an invitation (public: the link's token is the credential). Two round trips, as
// registration: the client's budget first (nothing hashed before it), then the account, its
// membership and its session in one batch. Every token that does not work is the same 410, after
// the same work (the password is hashed either way), so no answer tells tokens apart.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { hashPassword } from "../auth/password";
import { refuseCrossSite, signIn } from "../auth/sign-in";
import { clientKey, currentFingerprint } from "../auth/throttle";
import { anonymous } from "../db/request";
import { ApiError } from "../lib/errors";
import { linkTokenHash } from "../lib/link-token";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { createSession, findUser } from "../users/queries";
import * as q from "./queries";
import { AcceptedInvitation, AcceptInvitation } from "./schemas";

/** Accepts one client may attempt an hour: an office behind one address onboards many people. */
const ACCEPTS_PER_HOUR = 30;

export const acceptInvitation = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/accept",
    tags: ["invitations"],
    summary: "Accept an invitation: creates the account (email verified, team joined) and signs in",
    description:
      "Public. Answers the account and tokens as POST /users/login does (and sets its cookies). The invitation's team is joined only while its inviter is still a superuser or a manager of that team; otherwise the account is made without it. 410 invitation_invalid for a token that is used, revoked, expired or unknown (one answer for all); 409 username_taken (the invitation stays usable), email_taken when the address got an account meanwhile; 429 when this client tried too often in the last hour.",
    ...access("public"),
    request: { body: body(AcceptInvitation) },
    responses: { 201: json(AcceptedInvitation, "Account created and signed in"), ...problems(403, 409, 410, 422, 429) },
  }),
  async (c) => {
    refuseCrossSite(c);
    const { token, username, password } = c.req.valid("json");
    const { db } = c.get("database");
    await anonymous(c, [q.beginAccept(db, await clientKey(c), ACCEPTS_PER_HOUR)]);
    const hash = await linkTokenHash(token);
    const passwordHash = await hashPassword(password);
    const user = q.acceptedUser(hash);
    const [[accepted], [session], [found], [me]] = await anonymous(c, [
      q.acceptInvitation(db, hash, username, passwordHash),
      createSession(db, user, c.get("config").REFRESH_TOKEN_TTL),
      currentFingerprint(db, user),
      findUser(db, user),
    ]);
    if (!accepted || !session || !found || !me) throw new ApiError("internal", "The account was not created.");
    const tokens = await signIn(c, { userId: accepted.user_id, session, fingerprint: found.fingerprint });
    return c.json({ ...tokens, user: me.body }, 201);
  },
);
