// Password reset (issue 23 §3), mounted under /users. Public: the email's link is the credential.
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { hashPassword } from "../auth/password";
import { clientKey } from "../auth/throttle";
import { anonymous } from "../db/request";
import { ApiError } from "../lib/errors";
import { linkTokenHash, newLinkToken } from "../lib/link-token";
import { body, json, noContent } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { applyReset, checkReset, requestReset } from "./password-reset-queries";
import {
  PasswordResetAccepted,
  PasswordResetConfirm,
  PasswordResetRequest,
  RESET_ACCEPTED,
} from "./password-reset-schemas";

const tags = ["users"];
const linkInvalid = () => new ApiError("link_invalid", "This link is not valid (unknown, used or expired).");

export const passwordReset = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/password-reset",
      tags,
      summary: "Ask for a link to choose a new password (always 202: no account is revealed)",
      description:
        "Public. Answers 202 with the same body whether or not an account uses the address; if one does (active, not erased), it gets an email with a one-time link (1 hour) to PUBLIC_APP_URL/reset-password, and any older reset link of the account stops working. Throttled per address and per client, counted the same for unknown addresses (429).",
      ...access("public"),
      request: { body: body(PasswordResetRequest) },
      responses: { 202: json(PasswordResetAccepted, "Accepted"), ...problems(422, 429) },
    }),
    async (c) => {
      const { email } = c.req.valid("json");
      // A token is made on both paths, so both cost the same; only its hash reaches a table.
      const { token, hash } = await newLinkToken("rst");
      await anonymous(c, [requestReset(c.get("database").db, email, await clientKey(c), token, hash)]);
      return c.json(RESET_ACCEPTED, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password-reset/confirm",
      tags,
      summary: "Choose a new password with a reset link's token; every login of the account ends",
      description:
        "Public. 204: the password is set, the email counts as verified, every login and API token of the account ends (trusted devices too), and the account gets a notice. An unknown, used, expired or superseded token is 410 link_invalid (one code for all). Attempts are throttled per client (429).",
      ...access("public"),
      request: { body: body(PasswordResetConfirm) },
      responses: { 204: noContent("Password changed"), ...problems(410, 422, 429) },
    }),
    async (c) => {
      const { token, password } = c.req.valid("json");
      const { db } = c.get("database");
      const hash = await linkTokenHash(token);
      // Round trip 1: the budget and the token, before any hashing (a dead link costs no PBKDF2).
      const [[check]] = await anonymous(c, [checkReset(db, hash, await clientKey(c))]);
      if (!check?.live) throw linkInvalid();
      // Round trip 2: the token spent and the password set, atomically (a parallel confirm of the
      // same token finds it used: 410).
      await anonymous(c, [applyReset(db, hash, await hashPassword(password))]);
      return c.body(null, 204);
    },
  );
