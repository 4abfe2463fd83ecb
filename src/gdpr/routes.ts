import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { noStore } from "../lib/conditional";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { IdParam, problems } from "../lib/schemas";
import { User } from "../users/schemas";
import * as q from "./queries";
import { UserExport } from "./schemas";

const tags = ["users"];
const noSuchUser = () => new ApiError("not_found", "No such user.");

/** Mounted under /users. */
export const gdpr = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/export",
      tags,
      summary: "Everything kept about a person, as one JSON document (GDPR access; the person or a superuser)",
      description:
        "Profile, time logs, timesheets, absences and allowances, time adjustments, API tokens' and sessions' metadata (never a hash or id that is a credential), audit events about or by the person, invitations to their address, notification settings and the emails sent to them (template, status, dates). Anyone but yourself is 404 unless you are a superuser; a superuser's export of someone else is audited (user.exported).",
      ...access({ scope: "timelog:read", heavy: true }),
      request: { params: IdParam },
      responses: { 200: json(UserExport, "The person's data"), ...problems(401, 404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // A write: a superuser's export of someone else appends its audit event, in the same trip.
      const { results } = await read(c, [q.exportUser(c.get("database").db, c.get("auth").userId, id)], {
        write: true,
      });
      const body = results[0][0]?.body;
      if (!body) throw noSuchUser();
      // Everything about a person in one file: no client cache should keep it on disk.
      noStore(c);
      return c.json(body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/erase",
      tags,
      summary: "Erase a person (GDPR; superusers, not yourself): identity replaced by a pseudonym, records kept",
      description:
        "Superusers only (403). The username and email become erased-<id> and erased-<id>@erased.invalid, the password unusable, the account inactive for good; sessions and API tokens end; two-factor secrets, recovery codes, one-time links, invitations to the address, notification settings and queued emails go; notes on their time logs and absences and the comments they wrote deciding weeks and absences are removed; webhook payloads naming them are scrubbed. Time logs, timesheets and amounts stay, under the pseudonym. The audit events about them are redacted without breaking GET /audit/verify, and the erasure is audited (user.erased, naming the redacted events). Yourself: 403 cannot_erase_self. Already erased: 409 user_erased.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { params: IdParam },
      responses: { 200: json(User, "The pseudonymised user"), ...problems(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { results } = await read(c, [q.eraseUser(c.get("database").db, c.get("auth").userId, id)], {
        write: true,
      });
      const body = results[0][0]?.body;
      if (!body) throw noSuchUser();
      return c.json(body, 200);
    },
  );
