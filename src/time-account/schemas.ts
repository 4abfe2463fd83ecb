import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, pathId, Timestamp } from "../lib/schemas";
import { Day } from "../work-schedules/schemas";

/** The longest account one request reads: a leap year. */
export const MAX_DAYS = 366;

const seconds = (description: string) =>
  z
    .number()
    .int()
    .openapi({ description: `integer seconds: ${description}` });

const Amounts = {
  expected: seconds("the schedule's time for the date(s), less public holidays (half on a half-day holiday)"),
  worked: seconds(
    "the person's logged time within the local date(s), a running timer counted to now, less break_deducted",
  ),
  break_deducted: seconds(
    "with the company's break_deduction automatic: the missing part of a required break, taken off worked",
  ),
  credited: seconds("expected time credited by approved absences whose type counts as work"),
  adjustments: seconds("time-account adjustments dated on the date(s)"),
  balance: seconds("worked + credited + adjustments − expected"),
};

export const TimeAccountDay = z
  .object({ date: z.iso.date().openapi({ description: "a local date in the person's zone" }), ...Amounts })
  .openapi("TimeAccountDay");

export const TimeAccount = z
  .object({
    user_fk: Id,
    from: z.iso.date(),
    to: z.iso.date(),
    days: z.array(TimeAccountDay),
    totals: z.object(Amounts).openapi("TimeAccountTotals"),
    opening_balance: seconds(
      "the balance before `from`: every date's balance from the account's start (the earlier of the person's " +
        "registration date and their first log's date) to from − 1, plus every adjustment dated before `from`",
    ),
    closing_balance: seconds("opening_balance + totals.balance"),
  })
  .openapi("TimeAccount");
export type TimeAccount = z.infer<typeof TimeAccount>;

export const TimeAccountQuery = z.object({
  from: Day.openapi({ description: "first local date", example: "2026-01-01" }),
  to: Day.openapi({ description: `last local date, included (at most ${MAX_DAYS} days)`, example: "2026-12-31" }),
});

export const UserParam = z.object({ id: pathId("id") });

export const Adjustment = z
  .object({
    id: Id,
    user_fk: Id,
    date: z.iso.date(),
    seconds: z.number().int().openapi({ description: "integer seconds added to the account (negative: taken off)" }),
    reason: z.string(),
    created_by: Id.nullable(),
    created_at: Timestamp,
  })
  .openapi("TimeAdjustment");
export type Adjustment = z.infer<typeof Adjustment>;
export const AdjustmentPage = pageSchema(Adjustment, "TimeAdjustmentPage");
export const AdjustmentQuery = PageQuery;

export const CreateAdjustment = z
  .strictObject({
    date: Day.openapi({ description: "the local date it counts on" }),
    hours: z
      .number()
      .min(-10_000)
      .max(10_000)
      .refine((h) => Math.round(h * 3600) !== 0, { message: "not zero (at least a second)" })
      .openapi({ description: "decimal hours, ±10,000 at most; stored as whole seconds", example: -12.5 }),
    reason: z.string().trim().min(1).max(500).openapi({ example: "overtime paid out with the March payroll" }),
  })
  .openapi("CreateTimeAdjustment");
