import { z } from "@hono/zod-openapi";
import { Id, queryId, Timestamp, Zone } from "../lib/schemas";

export { Zone };

import { DateTime } from "../projects/schemas";

export const MAX_RANGE_DAYS = 366;
export const TIME_UNITS = ["day", "week", "month"] as const;
const GROUPS = ["project", "user", "client", "task", "tag", ...TIME_UNITS] as const;
export type Group = (typeof GROUPS)[number];

const DateOrTime = z
  .union([z.iso.date(), DateTime])
  .openapi({ description: "YYYY-MM-DD (midnight in tz) or an RFC 3339 time with an offset", example: "2026-03-01" });

const Filters = {
  from: DateOrTime,
  to: DateOrTime,
  tz: Zone.default("UTC"),
  user_fk: queryId()
    .optional()
    .openapi({ description: "one person: yourself, someone you manage, or anyone for a superuser" }),
  team_fk: queryId()
    .optional()
    .openapi({ description: "the members of a team you manage (any team, for a superuser)" }),
  project_fk: queryId().optional(),
  client_fk: queryId().optional().openapi({ description: "the projects of one client" }),
  task_fk: queryId().optional(),
  tag_fk: queryId().optional().openapi({ description: "logs carrying this tag" }),
};

export const SummaryQuery = z.object({
  ...Filters,
  position_fk: queryId().optional(),
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
      description:
        "up to three of project, user, client, task, tag, and at most one of day, week, month; comma-separated. " +
        "By tag, a log counts once in each of its tags' groups (untagged: tag_fk null), so groups may sum to more than the total.",
      param: { style: "form", explode: false },
    }),
});

export const CsvQuery = z.object(Filters);

/**
 * Durations: whole milliseconds (times are stored to the millisecond; a running log's now is
 * rounded to the nearest), so groups add up to the total exactly.
 */
const DurationMs = z.number().int().min(0);

/** Minor units of the company currency: integers, never floats. */
const Money = z.number().int().min(0);

export const SummaryGroup = z
  .object({
    project_fk: Id.optional(),
    secret_name: z.string().optional(),
    user_fk: Id.optional(),
    username: z.string().optional(),
    client_fk: Id.nullable().optional().openapi({ description: "null: projects without a client" }),
    client_name: z.string().nullable().optional(),
    task_fk: Id.nullable().optional().openapi({ description: "null: logs without a task" }),
    task_name: z.string().nullable().optional(),
    tag_fk: Id.nullable().optional().openapi({ description: "null: logs without tags" }),
    tag_name: z.string().nullable().optional(),
    period: z.string().optional().openapi({ description: "first local day of the day, ISO week or month" }),
    duration_ms: DurationMs.openapi({ description: "time in the group: whole milliseconds, exact" }),
    includes_open: z.boolean(),
    billable_ms: DurationMs.openapi({ description: "the billable part of duration_ms" }),
    billable_amount: Money.optional().openapi({ description: "managers (their people) and superusers" }),
    cost: Money.optional().openapi({ description: "superusers only" }),
    margin: z.number().int().optional().openapi({ description: "billable_amount − cost; superusers only" }),
    over_budget: z
      .boolean()
      .optional()
      .openapi({ description: "projects with a budget: over it in its current period (GET /projects/{id}/budget)" }),
  })
  .openapi("SummaryGroup");

export const Summary = z
  .object({
    from: Timestamp.openapi({ description: "the range's start as an instant (a date is midnight in tz)" }),
    to: Timestamp.openapi({ description: "the range's end, excluded" }),
    tz: z.string(),
    group_by: z.array(z.enum(GROUPS)),
    total_ms: DurationMs.openapi({
      description:
        "whole milliseconds; equals the sum of the groups' duration_ms, except by tag (a log counts once here, once per tag in groups)",
    }),
    includes_open: z.boolean().openapi({ description: "a running log counted up to the database's now()" }),
    groups: z.array(SummaryGroup),
    currency: z.string().optional().openapi({ description: "with amounts: ISO 4217; amounts are its minor units" }),
    total_billable_amount: Money.optional(),
    total_cost: Money.optional(),
    total_margin: z.number().int().optional(),
  })
  .openapi("Summary");
