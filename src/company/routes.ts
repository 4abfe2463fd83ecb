// Company-wide limits that the database enforces on every time log (see company_settings).
import { createRoute } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ifMatch } from "../db/conditional";
import { one, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { ConditionalWriteHeaders, IdempotencyHeader, problems } from "../lib/schemas";
import * as q from "./queries";
import { CompanySettings, Lock, UpdateSettings } from "./schemas";

const tags = ["settings"];
/** The migrations insert the one row and nothing deletes it: its absence is our bug, a 500. */
const noSettings = () => new ApiError("internal", "The company settings are missing.");

export const company = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Limits on time logs (earliest start, longest entry)",
      description: "Every signed-in user may read them; locked_before is the payroll lock (PUT /settings/lock).",
      ...access({ scope: "timelog:read" }),
      responses: { 200: json(CompanySettings, "The limits"), ...problems(401) },
    }),
    async (c) => {
      return one(c, q.readSettings(c.get("database").db), noSettings);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/",
      tags,
      summary: "Change the limits (superusers); existing logs are not rewritten",
      description:
        "Superusers only (403). Send only the fields to change; the limits hold for logs created or changed from now on. " +
        "holiday_calendar_fk names the public holidays of everyone without their own (422 unknown_holiday_calendar when there is no such calendar; 409 period_locked when the old and new calendars " +
        "differ on a date, from the account start of someone without their own, that lies before the payroll lock or in their submitted or approved weeks). " +
        "registration and require_2fa change from a signed-in session only: with an API token (even admin) 403 insufficient_scope.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: ConditionalWriteHeaders, body: body(UpdateSettings) },
      responses: { 200: json(CompanySettings, "Updated"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const { db } = c.get("database");
      const conditional = ifMatch(c, "company_settings", true, q.readSettings(db));
      return write(c, [], q.updateSettings(db, c.req.valid("json")), 200, noSettings, conditional);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/lock",
      tags,
      summary:
        "Close payroll (superusers): no time log starting before locked_before may be created, changed or deleted",
      description:
        "Superusers only (403). locked_before null lifts the lock; moving it back is allowed and audited. " +
        "A lock in the future is 422.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { headers: IdempotencyHeader, body: body(Lock) },
      responses: { 200: json(CompanySettings, "The settings with the new lock"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const { locked_before } = c.req.valid("json");
      const { db } = c.get("database");
      return write(c, [q.setLock(db, locked_before)], q.readSettings(db), 200, noSettings);
    },
  );
