import { z } from "@hono/zod-openapi";
import { Id, Zone } from "../lib/schemas";

export { Zone };

import { DateTime } from "../projects/schemas";

export const MAX_RANGE_DAYS = 366;
export const TIME_UNITS = ["day", "week", "month"] as const;
const GROUPS = ["project", "user", ...TIME_UNITS] as const;
export type Group = (typeof GROUPS)[number];

const DateOrTime = z
  .union([z.iso.date(), DateTime])
  .openapi({ description: "YYYY-MM-DD (midnight in tz) or an RFC 3339 time with an offset", example: "2026-03-01" });

const Filters = {
  from: DateOrTime,
  to: DateOrTime,
  tz: Zone.default("UTC"),
  user_fk: z.coerce
    .number()
    .pipe(Id)
    .optional()
    .openapi({ description: "one person: yourself, someone you manage, or anyone for a superuser" }),
  team_fk: z.coerce
    .number()
    .pipe(Id)
    .optional()
    .openapi({ description: "the members of a team you manage (any team, for a superuser)" }),
  project_fk: z.coerce.number().pipe(Id).optional(),
};

export const SummaryQuery = z.object({
  ...Filters,
  position_fk: z.coerce.number().pipe(Id).optional(),
  // `group_by=project,day` (as documented: form, not exploded) or `group_by=project&group_by=day`.
  group_by: z
    .union([z.string(), z.array(z.string()).max(5)])
    .default("project")
    .transform((v) => [...new Set((Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()))])
    .pipe(
      z
        .array(z.enum(GROUPS))
        .max(3)
        .refine((g) => g.filter((x) => (TIME_UNITS as readonly string[]).includes(x)).length <= 1, {
          message: "at most one of day, week, month",
        }),
    )
    .openapi({
      type: "array",
      items: { type: "string", enum: [...GROUPS] },
      maxItems: 3,
      default: ["project"],
      description: "project, user, and at most one of day, week, month; comma-separated",
      param: { style: "form", explode: false },
    }),
});

export const CsvQuery = z.object(Filters);

export const SummaryGroup = z
  .object({
    project_fk: Id.optional(),
    secret_name: z.string().optional(),
    user_fk: Id.optional(),
    username: z.string().optional(),
    period: z.string().optional().openapi({ description: "first local day of the day, ISO week or month" }),
    seconds: z.number(),
    includes_open: z.boolean(),
  })
  .openapi("SummaryGroup");

export const Summary = z
  .object({
    from: z.string(),
    to: z.string(),
    tz: z.string(),
    group_by: z.array(z.enum(GROUPS)),
    total_seconds: z.number(),
    includes_open: z.boolean().openapi({ description: "a running log counted up to the database's now()" }),
    groups: z.array(SummaryGroup),
  })
  .openapi("Summary");
