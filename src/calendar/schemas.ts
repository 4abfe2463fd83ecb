import { z } from "@hono/zod-openapi";
import { Id, Timestamp } from "../lib/schemas";

export const CalendarFeed = z
  .object({
    url: z.url().openapi({
      description: "the secret address to subscribe to (shown once: only its hash is kept)",
      example: "https://api.example.com/calendar/tl_cal_Qm3xV9kT2pLw7sRb4nYc8hJd1fGz6aEu5oWq0iKt3vM.ics",
    }),
    webcal_url: z.string().openapi({
      description: "the same address as webcal://, which opens the calendar app to subscribe",
      example: "webcal://api.example.com/calendar/tl_cal_Qm3xV9kT2pLw7sRb4nYc8hJd1fGz6aEu5oWq0iKt3vM.ics",
    }),
    kind: z.enum(["person", "team"]).openapi({ description: "your own time logs and absences, or a team's absences" }),
    team_fk: Id.nullable(),
    created_at: Timestamp,
  })
  .openapi("CalendarFeed");
export type CalendarFeed = z.infer<typeof CalendarFeed>;

export const FeedToken = z.object({
  token: z.string().openapi({ description: "the secret token the feed's URL was given with" }),
});
