// The team absence calendar's query and answer (issue 22 §1: who is away on which day).
import { z } from "@hono/zod-openapi";
import { Id, queryId } from "../lib/schemas";

export const CalendarQuery = z.object({
  team_fk: queryId(),
  month: z
    .string()
    .regex(/^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$/, "a month YYYY-MM from 1970-01 to 9999-12")
    .refine((m) => m <= "9998-12", "a month up to 9998-12")
    .openapi({ example: "2026-12" }),
});

const Away = z
  .object({
    user_fk: Id,
    username: z.string(),
    half_day: z.enum(["am", "pm"]).nullable().openapi({ description: "null: the whole day" }),
    type_fk: Id.nullable().openapi({ description: "null when the reason is not yours to see" }),
    type: z.string().openapi({
      description: 'the absence type\'s name, or "away" when the reason is not yours to see',
      example: "Vacation",
    }),
    status: z.enum(["requested", "approved"]),
  })
  .openapi("CalendarAway");

const CalendarDay = z
  .object({
    date: z.iso.date(),
    holiday: z.string().optional().openapi({ description: "the company calendar's holiday on this date" }),
    away: z.array(Away),
  })
  .openapi("CalendarDay");

export const AbsenceCalendar = z
  .object({
    team_fk: Id,
    month: z.string().openapi({ example: "2026-12" }),
    days: z.array(CalendarDay).openapi({ description: "every date of the month, in order" }),
  })
  .openapi("AbsenceCalendar");
export type AbsenceCalendar = z.infer<typeof AbsenceCalendar>;
