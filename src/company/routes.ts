// Company-wide limits that the database enforces on every time log (see company_settings).
import { createRoute, z } from "@hono/zod-openapi";
import { signedIn } from "../auth/middleware";
import { one } from "../db/request";
import { ApiError } from "../lib/errors";
import { body, json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";
import { iso } from "../lib/time";
import { DateTime } from "../projects/schemas";
import * as q from "./queries";

const MAX_SECONDS = 31 * 86_400;

export const CompanySettings = z
  .object({
    timelog_earliest: z.string().openapi({ description: "no time log may start before this instant" }),
    timelog_max_seconds: z.number().int().openapi({ description: "the longest single time log" }),
  })
  .openapi("CompanySettings");

const UpdateSettings = z
  .strictObject({
    timelog_earliest: DateTime.optional(),
    timelog_max_seconds: z.number().int().min(60).max(MAX_SECONDS).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateCompanySettings");

const toSettings = (row: { timelog_earliest: Date; timelog_max_seconds: number }) => ({
  timelog_earliest: iso(row.timelog_earliest),
  timelog_max_seconds: row.timelog_max_seconds,
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
      ...signedIn,
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
      ...signedIn,
      request: { body: body(UpdateSettings) },
      responses: { 200: json(CompanySettings, "Updated"), ...problems(401, 403, 422) },
    }),
    async (c) => {
      const patch = c.req.valid("json");
      const row = await one(c, q.updateSettings(c.get("database").db, patch), noSettings, { superuser: true });
      return c.json(toSettings(row), 200);
    },
  );
