import { z } from "@hono/zod-openapi";
import { pageSchema } from "../lib/page";
import { Id, WeeklyHours } from "../lib/schemas";

const Title = z.string().trim().min(1).max(50).openapi({ example: "Engineer" });
const Description = z.string().max(200).nullable();
const Salary = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

export const Position = z
  .object({
    id: Id,
    title: z.string(),
    description: z.string().nullable(),
    salary: Salary.optional().openapi({ description: "Only shown to superusers" }),
    open_for_registration: z.boolean().openapi({ description: "self-registered users may take this position" }),
    weekly_hours: z.number().openapi({ description: "expected hours a week (a user may override it)" }),
  })
  .openapi("Position");
export type Position = z.infer<typeof Position>;
export const PositionPage = pageSchema(Position, "PositionPage");

export const CreatePosition = z
  .strictObject({
    title: Title,
    description: Description.optional(),
    salary: Salary.optional(),
    open_for_registration: z.boolean().optional(),
    weekly_hours: WeeklyHours.optional(),
  })
  .openapi("CreatePosition");
export const ReplacePosition = z
  .strictObject({
    title: Title,
    description: Description,
    salary: Salary,
    open_for_registration: z.boolean().optional(),
    weekly_hours: WeeklyHours.optional(),
  })
  .openapi("ReplacePosition");
export const UpdatePosition = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    salary: Salary.optional(),
    open_for_registration: z.boolean().optional(),
    weekly_hours: WeeklyHours.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdatePosition");
