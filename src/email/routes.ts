// GET /emails: what the outbox holds, so an operator can see what failed and why (superusers).
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { read } from "../db/request";
import { json } from "../lib/openapi";
import { decodeCursor, invalidCursor, pageOf } from "../lib/page";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { listEmails } from "./queries";
import { EmailPage, EmailQuery } from "./schemas";

/** Outbox ids are bigint: a cursor holds any safe integer. */
function beforeId(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const n = Number(decodeCursor(cursor, 1)[0]);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidCursor();
  return n;
}

export const emails = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["emails"],
    summary: "The email outbox, newest first: recipient, template, status, attempts, last error (superusers)",
    description:
      "Superusers only (403). Filter by status and recipient (to); pass next_cursor back as cursor. A link's one-time token is never shown.",
    ...access({ scope: "admin", role: "superuser" }),
    request: { query: EmailQuery },
    responses: { 200: json(EmailPage, "A page of emails"), ...problems(401, 403, 422) },
  }),
  async (c) => {
    const { limit, cursor, status, to } = c.req.valid("query");
    const { results } = await read(c, [
      listEmails(c.get("database").db, { status, to, before: beforeId(cursor), limit }),
    ]);
    return c.json(
      pageOf(results[0], limit, (r) => [r.id]),
      200,
    );
  },
);
