import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, queryId, Timestamp } from "../lib/schemas";

const FIRST_INSTANT = Date.parse("0001-01-01T00:00:00Z");
const LAST_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * An RFC 3339 time with an offset. RFC 3339 (§5.6) lets the `T` and `Z` be lowercase: they are
 * read as their capitals, which PostgreSQL and zod expect.
 */
export const DateTime = z
  .string()
  .transform((v) => v.toUpperCase())
  .pipe(z.iso.datetime({ offset: true, message: "an RFC 3339 time with an offset, e.g. 2026-03-29T09:00:00+02:00" }))
  // An offset can carry 0001-01-01 into 1 BC, or 9999-12-31 into year 10000: neither has an RFC 3339
  // form to answer with (the era would be lost), so the instant must be in years 1 to 9999 UTC.
  .refine((v) => Date.parse(v) >= FIRST_INSTANT && Date.parse(v) <= LAST_INSTANT, {
    message: "an instant between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z",
  })
  .openapi({ type: "string", format: "date-time", example: "2026-03-29T09:00:00+02:00" });
const SecretName = z.string().trim().min(1).max(40).openapi({ example: "Apollo" });
const Description = z.string().max(2000).nullable();
/** A project's budget: hours and/or an amount, for its whole life or per month. */
const Budget = {
  budget_hours: z.number().positive().max(99_999_999).multipleOf(0.01).nullable().optional(),
  budget_amount: z.number().int().min(1).max(1e15).nullable().optional(),
  budget_period: z.enum(["total", "month"]).optional(),
};

export const Project = z
  .object({
    id: Id,
    secret_name: z.string(),
    started_at: Timestamp,
    description: z.string().nullable(),
    is_archived: z.boolean(),
    client_fk: Id.nullable(),
    billable: z.boolean().openapi({ description: "its logs are billable unless a log says otherwise" }),
    budget_hours: z.number().nullable(),
    budget_amount: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "minor units of the company currency; superusers only (null for others)" }),
    budget_period: z
      .enum(["total", "month"])
      .openapi({ description: "month: each calendar month in the company's zone" }),
  })
  .openapi("Project");
export type Project = z.infer<typeof Project>;

export const CreateProject = z
  .strictObject({
    secret_name: SecretName,
    started_at: DateTime.optional(),
    description: Description.optional(),
    is_archived: z.boolean().optional(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional().openapi({ description: "default true" }),
    ...Budget,
  })
  .openapi("CreateProject");
export const ReplaceProject = z
  .strictObject({
    secret_name: SecretName,
    started_at: DateTime,
    description: Description,
    is_archived: z.boolean(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional(),
    ...Budget,
  })
  .openapi("ReplaceProject");
export const UpdateProject = z
  .strictObject({
    secret_name: SecretName.optional(),
    started_at: DateTime.optional(),
    description: Description.optional(),
    is_archived: z.boolean().optional(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional(),
    ...Budget,
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateProject");

export const ProjectQuery = PageQuery.extend({
  archived: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "only archived (true) or only active (false)" }),
  client_fk: queryId().optional().openapi({ description: "only this client's projects" }),
});

export const ProjectPage = pageSchema(Project, "ProjectPage");

export const ProjectBudget = z
  .object({
    project_fk: Id,
    period: z.enum(["total", "month"]),
    from: Timestamp.nullable().openapi({ description: "month budgets: the current month" }),
    to: Timestamp.nullable(),
    hours: z
      .object({
        budget: z.number(),
        used: z.number(),
        remaining: z.number(),
        percentage: z.number(),
        exceeded: z.boolean(),
      })
      .nullable()
      .openapi({ description: "null without an hours budget" }),
    amount: z
      .object({
        budget: z.number().int(),
        used: z.number().int(),
        remaining: z.number().int(),
        currency: z.string(),
        percentage: z.number(),
        exceeded: z.boolean(),
      })
      .nullable()
      .openapi({ description: "superusers; null without a money budget" }),
    exceeded: z.boolean(),
  })
  .openapi("ProjectBudget");
export type ProjectBudget = z.infer<typeof ProjectBudget>;
