// The company's settings as the API shows and changes them.
import { z } from "@hono/zod-openapi";
import { Id, Timestamp, Zone } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

const MAX_SECONDS = 31 * 86_400;
const Hours = z.number().gt(0).max(24);

export const BreakRule = z
  .strictObject({
    after_hours: Hours.openapi({ description: "worked time strictly above this many hours needs the break" }),
    minutes: z.number().int().min(1).max(240).openapi({ description: "the break it needs, in minutes" }),
  })
  .openapi("BreakRule", { example: { after_hours: 6, minutes: 30 } });

const BreakDeduction = z.enum(["none", "automatic"]).openapi({
  description:
    "automatic: the time account deducts the missing part of a required break from worked time " +
    "(never below the rule's after_hours)",
});

const Registration = z.enum(["open", "invite_only"]).openapi({
  description:
    "invite_only: POST /users/register is 403 registration_closed; people join by invitation (recommended for companies)",
});
const ReminderTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM, 24-hour")
  .openapi({
    description: "on Mondays, in each person's zone: last week not yet submitted is reminded (timesheet.overdue)",
    example: "12:00",
  });

export const CompanySettings = z
  .object({
    timelog_earliest: Timestamp.openapi({ description: "no time log may start before this instant" }),
    timelog_max_seconds: z.number().int().openapi({ description: "the longest single time log" }),
    default_time_zone: z.string().openapi({ description: "weeks of users without a time_zone run in this zone" }),
    locked_before: Timestamp.nullable().openapi({ description: "payroll closed: no log starting before it changes" }),
    currency: z.string().openapi({ description: "ISO 4217: every amount is in its minor units", example: "EUR" }),
    holiday_calendar_fk: Id.nullable().openapi({
      description: "the public holidays of everyone without a calendar of their own (null: none)",
    }),
    // Breaks and working-time compliance (issue 22 §4).
    break_rules: z.array(BreakRule).openapi({ description: "in after_hours order; [] requires no breaks" }),
    max_daily_hours: z.number().nullable().openapi({ description: "GET /reports/compliance: over_max_daily above it" }),
    min_rest_hours: z.number().nullable().openapi({ description: "GET /reports/compliance: rest_short below it" }),
    break_deduction: BreakDeduction,
    // Accounts (issue 23).
    registration: Registration,
    require_2fa: z.boolean().openapi({
      description:
        "signed-in accounts without two-factor sign-in get 403 2fa_required until they enrol (API tokens are not affected)",
    }),
    reminder_timer_hours: z
      .number()
      .openapi({ description: "a timer running longer than this is reminded (timer.forgotten)" }),
    reminder_submit_time: ReminderTime,
    // Offline writes (issue 24 §2).
    offline_window_hours: z.number().int().openapi({
      description: "clock-in/out with `at` (the device's time) is accepted this many hours into the past",
    }),
  })
  .openapi("CompanySettings");

export const UpdateSettings = z
  .strictObject({
    timelog_earliest: DateTime.optional(),
    timelog_max_seconds: z.number().int().min(60).max(MAX_SECONDS).optional(),
    default_time_zone: Zone.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR")
      .optional()
      .openapi({ description: "fixed once rates exist (409 currency_in_use)" }),
    holiday_calendar_fk: Id.nullable()
      .optional()
      .openapi({ description: "the company's holiday calendar; an unknown id is 422 unknown_holiday_calendar" }),
    break_rules: z
      .array(BreakRule)
      .max(10)
      .refine((rules) => new Set(rules.map((r) => r.after_hours)).size === rules.length, {
        message: "after_hours must be unique",
      })
      .optional()
      .openapi({ description: "replaces all rules; at most 10, e.g. Germany's 6 h → 30 min, 9 h → 45 min" }),
    max_daily_hours: Hours.nullable().optional().openapi({ description: "null: no daily maximum" }),
    min_rest_hours: Hours.nullable().optional().openapi({ description: "null: no minimum rest" }),
    break_deduction: BreakDeduction.optional(),
    registration: Registration.optional(),
    require_2fa: z.boolean().optional(),
    reminder_timer_hours: z.number().gt(0).max(168).multipleOf(0.25).optional(),
    reminder_submit_time: ReminderTime.optional(),
    offline_window_hours: z
      .number()
      .int()
      .min(0)
      .max(168)
      .optional()
      .openapi({ description: "0: offline `at` must be within the 2 minutes of clock skew; at most a week" }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateCompanySettings");

export const Lock = z
  .strictObject({
    locked_before: DateTime.nullable().openapi({
      description: "null lifts the lock; moving it back is allowed (audited)",
    }),
  })
  .openapi("CompanyLock");
export type CompanySettings = z.infer<typeof CompanySettings>;
export type UpdateSettings = z.infer<typeof UpdateSettings>;
