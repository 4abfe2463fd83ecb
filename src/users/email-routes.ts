// Email verification and email change (issue 23 §2). The links' tokens are made here and only
// their hashes stored; the rules (one live link per kind, an address taken meanwhile, the audit)
// are the database's: email_verification_issue, email_change_begin, email_link_confirm (0038).
import { createRoute, z } from "@hono/zod-openapi";
import { unauthorized } from "../auth/jwt";
import { access } from "../auth/middleware";
import { DUMMY_HASH, verifyPassword } from "../auth/password";
import { attemptSucceeded, beginPasswordCheck } from "../auth/throttle";
import { anonymous, read } from "../db/request";
import { ApiError } from "../lib/errors";
import { linkTokenHash, newLinkToken } from "../lib/link-token";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import * as q from "./email-queries";
import { Email } from "./schemas";

const tags = ["users"];
const Expiry = z.iso.datetime({ offset: true }).openapi({ description: "when the link stops working (24 hours)" });
const LinkSent = z.object({ expires_at: Expiry }).openapi("EmailLinkSent");
const ChangeStarted = z.object({ pending_email: z.string(), expires_at: Expiry }).openapi("EmailChangeStarted");
const ChangeEmail = z.strictObject({ email: Email, current_password: z.string().max(256) }).openapi("ChangeEmail");
const LinkToken = z
  .strictObject({ token: z.string().min(1).max(200).openapi({ description: "from the link's fragment" }) })
  .openapi("EmailLinkToken");
const Confirmed = z
  .object({ kind: z.enum(["email_verification", "email_change"]), email_verified: z.literal(true) })
  .openapi("EmailConfirmed");

export const emailRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/me/email-verification",
      tags,
      summary: "Email yourself a (new) link that verifies your address",
      description:
        "The link goes to /verify-email of the front end and works once, for 24 hours; an earlier link stops working. 409 already_verified; 429 when a link was sent less than a minute ago.",
      ...access({ scope: null }),
      responses: { 202: json(LinkSent, "The email is queued"), ...problems(401, 403, 409, 429) },
    }),
    async (c) => {
      const link = await newLinkToken("ver");
      const query = q.issueVerification(c.get("database").db, c.get("auth").userId, link);
      const { results } = await read(c, [query], { write: true });
      const [row] = results[0];
      if (!row) throw unauthorized();
      return c.json(row.body, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/email",
      tags,
      summary: "Change your email address: confirmed from the new address, noticed at the old one",
      description:
        "Needs current_password (403 wrong_password; wrong guesses are throttled like sign-ins, 429). Emails a link to the new address (/confirm-email of the front end, 24 hours) and a notice to the old one; the address changes only when the link is confirmed (POST /users/email-verification). 409 email_taken when the address has an account; 422 when it is yours already; 429 rate_limited for a second request within a minute (as the verification link).",
      ...access({ scope: null }),
      request: { body: body(ChangeEmail) },
      responses: { 202: json(ChangeStarted, "The emails are queued"), ...problems(401, 403, 409, 422, 429) },
    }),
    async (c) => {
      const { email, current_password } = c.req.valid("json");
      const { userId, sessionId } = c.get("auth");
      const { db } = c.get("database");
      // As PATCH /users/me's password change: reserve the attempt and read the hash, verify here, then write.
      const { results } = await read(c, [beginPasswordCheck(db, userId, sessionId)], { write: true });
      const [found] = results[0];
      if (!(await verifyPassword(current_password, found?.password_hash ?? DUMMY_HASH)).ok || !found) {
        throw new ApiError("wrong_password", "current_password is not right.");
      }
      const link = await newLinkToken("chg");
      const { results: done } = await read(
        c,
        [q.beginChange(db, userId, email, link), attemptSucceeded(db, found.attempt)],
        {
          write: true,
        },
      );
      const [row] = done[0];
      if (!row) throw unauthorized();
      return c.json(row.body, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/email-verification",
      tags,
      summary: "Confirm an emailed link: verifies your address, or applies an email change",
      description:
        "Public: the token is the credential. 410 link_invalid for a token that is used, expired or unknown (one answer for all). For an email change, 409 email_taken when the new address got an account meanwhile (the link stays usable).",
      ...access("public"),
      request: { body: body(LinkToken) },
      responses: { 200: json(Confirmed, "Confirmed"), ...problems(409, 410, 422) },
    }),
    async (c) => {
      const hash = await linkTokenHash(c.req.valid("json").token);
      const [[row]] = await anonymous(c, [q.confirmLink(c.get("database").db, hash)]);
      if (!row) throw new ApiError("link_invalid", "This link is not valid.");
      return c.json(row.body, 200);
    },
  );
