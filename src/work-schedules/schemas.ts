import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, queryId, Timestamp } from "../lib/schemas";

/** Hours of one weekday, to the hundredth (numeric(4,2) in the database). */
const DayHours = z.number().min(0).max(24).multipleOf(0.01);
/** A local date the database's range checks accept (1970-01-01 … 9998-12-31). */
export const Day = z.iso
  .date()
  .refine((d) => d >= "1970-01-01" && d <= "9998-12-31", { message: "a date from 1970-01-01 to 9998-12-31" })
  .openapi({ example: "2026-01-01" });

export const WorkSchedule = z
  .object({
    id: Id,
    position_fk: Id.nullable(),
    user_fk: Id.nullable(),
    effective_from: z.iso.date().openapi({ description: "the first local date it applies to (until the next one)" }),
    hours: z.array(z.number()).length(7).openapi({ description: "hours for Monday … Sunday" }),
    created_at: Timestamp,
  })
  .openapi("WorkSchedule");
export type WorkSchedule = z.infer<typeof WorkSchedule>;
export const WorkSchedulePage = pageSchema(WorkSchedule, "WorkSchedulePage");

export const CreateWorkSchedule = z
  .strictObject({
    position_fk: Id.optional(),
    user_fk: Id.optional(),
    effective_from: Day.openapi({ description: "a local date; before the company lock → 409 period_locked" }),
    hours: z
      .array(DayHours)
      .length(7)
      .openapi({ description: "decimal hours for Monday … Sunday, 0–24 each", example: [8, 8, 8, 8, 8, 0, 0] }),
  })
  .refine((b) => (b.position_fk === undefined) !== (b.user_fk === undefined), {
    message: "exactly one of position_fk and user_fk",
  })
  .openapi("CreateWorkSchedule");

export const WorkScheduleQuery = PageQuery.extend({
  position_fk: queryId().optional(),
  user_fk: queryId().optional(),
});
