// The company's settings as the API shows and changes them.
import { z } from "@hono/zod-openapi";
import { Id, Timestamp, Zone } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

const MAX_SECONDS = 31 * 86_400;

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
