import { z } from "@hono/zod-openapi";

const Kind = (what: string) => z.boolean().openapi({ description: `email me when ${what}` });

export const Notifications = z
  .object({
    timer_forgotten: Kind("my timer has run longer than the company's reminder_timer_hours"),
    timesheet_overdue: Kind("last week's timesheet is not submitted by Monday's reminder_submit_time"),
    absence_pending: Kind("an absence I decide on has waited for more than a day"),
  })
  .openapi("Notifications");
export type Notifications = z.infer<typeof Notifications>;

export const UpdateNotifications = z
  .strictObject({
    timer_forgotten: z.boolean().optional(),
    timesheet_overdue: z.boolean().optional(),
    absence_pending: z.boolean().optional(),
  })
  .openapi("UpdateNotifications");
export type UpdateNotifications = z.infer<typeof UpdateNotifications>;
