// Holiday calendars and their days as the API shows and takes them (shapes built by SQL in 0028).
import { z } from "@hono/zod-openapi";
import { pageSchema } from "../lib/page";
import { Id, pathId } from "../lib/schemas";

/** A local date the database can hold (holiday_day_range): 1970-01-01 … 9998-12-31. */
export const LocalDate = z.iso
  .date()
  .refine((d) => d >= "1970-01-01" && d <= "9998-12-31", { message: "a date from 1970-01-01 to 9998-12-31" })
  .openapi({ example: "2026-12-25" });

export const HolidayCalendar = z
  .object({
    id: Id,
    name: z.string(),
    region: z.string().nullable().openapi({ description: "e.g. DE-BY: where its days come from (informational)" }),
    created_at: z.iso.datetime(),
  })
  .openapi("HolidayCalendar");
export type HolidayCalendar = z.infer<typeof HolidayCalendar>;
export const HolidayCalendarPage = pageSchema(HolidayCalendar, "HolidayCalendarPage");

export const CreateHolidayCalendar = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: "Bavaria" }),
    region: z.string().trim().min(1).max(50).nullable().optional().openapi({ example: "DE-BY" }),
  })
  .openapi("CreateHolidayCalendar");

export const Holiday = z
  .object({
    calendar_fk: Id,
    date: z.iso.date(),
    name: z.string(),
    half_day: z.boolean().openapi({ description: "half a working day off (expected time halves)" }),
  })
  .openapi("Holiday");
export type Holiday = z.infer<typeof Holiday>;

export const HolidayList = z
  .object({ items: z.array(Holiday).openapi({ description: "the year's days in date order (at most 366)" }) })
  .openapi("HolidayList");
export type HolidayList = z.infer<typeof HolidayList>;

export const PutHoliday = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: "Christmas Day" }),
    half_day: z.boolean().default(false),
  })
  .openapi("PutHoliday");

export const YearQuery = z.object({
  year: z.coerce.number().int().min(1970).max(9998).openapi({ type: "integer", example: 2026 }),
});

export const DayParams = z.object({
  id: pathId("id"),
  date: LocalDate.openapi({ param: { name: "date", in: "path" } }),
});
