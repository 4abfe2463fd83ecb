// The compliance report's query and answer (issue 22 §4).
import { z } from "@hono/zod-openapi";
import { Id, queryId, Timestamp } from "../lib/schemas";

const LocalDate = z.iso.date().openapi({ description: "a local date of each person (their time zone)" });

export const ComplianceQuery = z.object({
  from: LocalDate.openapi({ example: "2026-03-01" }),
  to: LocalDate.openapi({ description: "the last date reported, included (at most 366 dates)", example: "2026-03-31" }),
  user_fk: queryId()
    .optional()
    .openapi({ description: "one person: yourself, someone you manage, or anyone for a superuser" }),
  team_fk: queryId()
    .optional()
    .openapi({ description: "the members of a team you manage (any team, for a superuser)" }),
});

const BreakShort = z
  .object({
    code: z.literal("break_short"),
    required_minutes: z
      .number()
      .int()
      .openapi({ description: "the longest break of the rules the day's work exceeds" }),
    taken_minutes: z.number().int().openapi({ description: "gaps between the day's logs, rounded down" }),
  })
  .openapi("BreakShort");

const OverMaxDaily = z
  .object({
    code: z.literal("over_max_daily"),
    max_hours: z.number(),
    worked_hours: z.number().openapi({ description: "before any automatic deduction; rounded up to 0.01 h" }),
  })
  .openapi("OverMaxDaily");

const RestShort = z
  .object({
    code: z.literal("rest_short"),
    required_hours: z.number(),
    rest_hours: z.number().openapi({ description: "from previous_end to next_start, rounded down to 0.01 h" }),
    previous_end: Timestamp.openapi({ description: "the end of the log before next_start" }),
    next_start: Timestamp.openapi({ description: "the start of the first log that starts on this date" }),
  })
  .openapi("RestShort");

export const Violation = z.discriminatedUnion("code", [BreakShort, OverMaxDaily, RestShort]).openapi("Violation");

export const Compliance = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    items: z.array(
      z.object({ user_fk: Id, date: z.iso.date(), violations: z.array(Violation).min(1) }).openapi("ComplianceDay"),
    ),
  })
  .openapi("Compliance");
