// Company-wide limits that the database enforces on every time log (see company_settings).
import { createRoute, z } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { one, write } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { IdempotencyHeader, problems, Timestamp, Zone } from "../lib/schemas";
import { iso, isoOrNull } from "../lib/time";
import { DateTime } from "../projects/schemas";
import * as q from "./queries";

const MAX_SECONDS = 31 * 86_400;

export const CompanySettings = z
  .object({
    timelog_earliest: Timestamp.openapi({ description: "no time log may start before this instant" }),
    timelog_max_seconds: z.number().int().openapi({ description: "the longest single time log" }),
    default_time_zone: z.string().openapi({ description: "weeks of users without a time_zone run in this zone" }),
    locked_before: Timestamp.nullable().openapi({ description: "payroll closed: no log starting before it changes" }),
    currency: z.string().openapi({ description: "ISO 4217: every amount is in its minor units", example: "EUR" }),
  })
  .openapi("CompanySettings");

const UpdateSettings = z
  .strictObject({
    timelog_earliest: DateTime.optional(),
    timelog_max_seconds: z.number().int().min(60).max(MAX_SECONDS).optional(),
    default_time_zone: Zone.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR")
      .optional()
      .openapi({ description: "fixed once rates exist (409 currency_in_use)" }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateCompanySettings");

const Lock = z
  .strictObject({
    locked_before: DateTime.nullable().openapi({
      description: "null lifts the lock; moving it back is allowed (audited)",
    }),
  })
  .openapi("CompanyLock");

type Row = {
  timelog_earliest: Date;
  timelog_max_seconds: number;
  default_time_zone: string;
  locked_before: Date | null;
  currency: string;
};
const toSettings = (row: Row) => ({
  timelog_earliest: iso(row.timelog_earliest),
  timelog_max_seconds: row.timelog_max_seconds,
  default_time_zone: row.default_time_zone,
  locked_before: isoOrNull(row.locked_before),
  currency: row.currency,
});
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
      const row = await one(c, q.readSettings(c.get("database").db), noSettings);
      return c.json(toSettings(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/",
      tags,
      summary: "Change the limits (superusers); existing logs are not rewritten",
      description:
        "Superusers only (403). Send only the fields to change; the limits hold for logs created or changed from now on.",
      ...access({ scope: "admin", role: "superuser" }),
      request: { body: body(UpdateSettings) },
      responses: { 200: json(CompanySettings, "Updated"), ...problems(401, 403, 409, 422) },
    }),
    async (c) => {
      const patch = c.req.valid("json");
      const row = await one(c, q.updateSettings(c.get("database").db, patch), noSettings, { write: true });
      return c.json(toSettings(row), 200);
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
      const res = await write(c, [q.setLock(db, locked_before)], q.settingsBody(db), 200);
      if (!res) throw noSettings();
      return c.json(res.body as z.infer<typeof CompanySettings>, 200);
    },
  );
