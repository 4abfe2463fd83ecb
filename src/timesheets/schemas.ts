import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, MAX_INT, pathId } from "../lib/schemas";

/** An ISO 8601 week; the database checks that the year has it (week 53). */
export const Week = z
  .string()
  .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, { message: "an ISO week such as 2026-W48" })
  .openapi({ example: "2026-W48" });

export const Status = z.enum(["open", "submitted", "approved", "rejected"]).openapi("TimesheetStatus");

export const Timesheet = z
  .object({
    user_fk: Id,
    week: Week,
    from: z.iso.datetime().openapi({ description: "Monday 00:00 in the person's time zone" }),
    to: z.iso.datetime().openapi({ description: "the next Monday 00:00 (167 or 169 h away across DST)" }),
    status: Status,
    worked_seconds: z.number().int().openapi({ description: "the logged time in the week's span" }),
    break_deducted_seconds: z.number().int().openapi({
      description: "with break_deduction automatic: the missing parts of required breaks, taken off the balance",
    }),
    expected_seconds: z.number().int().openapi({
      description: "the week's dates' scheduled time (work schedules), less public holidays (half on a half-day one)",
    }),
    credited_seconds: z.number().int().openapi({
      description: "expected time credited by approved absences whose type counts as work (a vacation day)",
    }),
    balance_seconds: z.number().int().openapi({
      description: "worked − break_deducted − expected + credited (time-account adjustments stay in the account)",
    }),
    cumulative_balance_seconds: z
      .number()
      .int()
      .optional()
      .openapi({ description: "lists: the balance summed over this person's weeks of the range so far" }),
    submitted_seconds: z.number().int().nullable().openapi({ description: "worked seconds when last submitted" }),
    acted_by: Id.nullable(),
    acted_at: z.iso.datetime().nullable(),
    comment: z.string().nullable(),
  })
  .openapi("Timesheet");
export type Timesheet = z.infer<typeof Timesheet>;
export const TimesheetPage = pageSchema(Timesheet, "TimesheetPage");

export const TimesheetQuery = PageQuery.extend({
  user_fk: z.coerce.number().int().min(1).max(MAX_INT).optional(),
  team_fk: z.coerce.number().int().min(1).max(MAX_INT).optional(),
  from: Week.optional().openapi({ description: "first week (default: this week, UTC)" }),
  to: Week.optional().openapi({ description: "last week, included (default: from)" }),
  status: Status.optional(),
});

export const WeekParam = z.object({ week: Week.openapi({ param: { name: "week", in: "path" } }) });
export const UserWeekParams = z.object({
  user_id: pathId("user_id"),
  week: Week.openapi({ param: { name: "week", in: "path" } }),
});

const Comment = z.string().trim().max(2000);
export const Approve = z.strictObject({ comment: Comment.optional() }).openapi("ApproveTimesheet");
export const Reject = z.strictObject({ comment: Comment.min(1) }).openapi("RejectTimesheet");
export const Reopen = z.strictObject({ comment: Comment.min(1) }).openapi("ReopenTimesheet");
