import { z } from "@hono/zod-openapi";
import { Id } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

export const MAX_RANGE_DAYS = 366;
export const TIME_UNITS = ["day", "week", "month"] as const;
const GROUPS = ["project", "user", ...TIME_UNITS] as const;
export type Group = (typeof GROUPS)[number];

const DateOrTime = z
  .union([z.iso.date(), DateTime])
  .openapi({ description: "YYYY-MM-DD (midnight in tz) or an RFC 3339 time with an offset", example: "2026-03-01" });

/**
 * IANA zone names only: "UTC" or Area/Location (Etc/GMT+5 included, which both PostgreSQL and
 * Intl read as IANA defines it). Offsets such as +05:00, POSIX strings such as UTC+5 and
 * abbreviations such as PST are refused: PostgreSQL reads their sign or meaning differently.
 */
export const Zone = z
  .string()
  .max(64)
  .regex(/^(UTC|[A-Z][A-Za-z_-]*(\/[A-Za-z0-9_+-]+){1,2})$/, {
    message: "an IANA time zone name such as Europe/Berlin or UTC (offsets like +05:00 are not accepted)",
  })
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: "an IANA time zone such as Europe/Berlin" },
  )
  .openapi({ example: "Europe/Berlin" });

const Filters = {
  from: DateOrTime,
  to: DateOrTime,
  tz: Zone.default("UTC"),
  user_fk: z.coerce.number().pipe(Id).optional(),
  project_fk: z.coerce.number().pipe(Id).optional(),
};

export const SummaryQuery = z.object({
  ...Filters,
  position_fk: z.coerce.number().pipe(Id).optional(),
  group_by: z
    .string()
    .default("project")
    .transform((v) => [...new Set(v.split(",").map((s) => s.trim()))])
    .pipe(
      z
        .array(z.enum(GROUPS))
        .max(3)
        .refine((g) => g.filter((x) => (TIME_UNITS as readonly string[]).includes(x)).length <= 1, {
          message: "at most one of day, week, month",
        }),
    )
    .openapi({ type: "string", description: "comma-separated: project, user, and one of day, week, month" }),
});

export const CsvQuery = z.object(Filters);

export const SummaryGroup = z
  .object({
    project_fk: Id.optional(),
    secret_name: z.string().optional(),
    user_fk: Id.optional(),
    username: z.string().optional(),
    period: z.string().optional().openapi({ description: "first local day of the day, ISO week or month" }),
    seconds: z.number(),
    includes_open: z.boolean(),
  })
  .openapi("SummaryGroup");

export const Summary = z
  .object({
    from: z.string(),
    to: z.string(),
    tz: z.string(),
    group_by: z.array(z.string()),
    total_seconds: z.number(),
    includes_open: z.boolean().openapi({ description: "a running log counted up to the database's now()" }),
    groups: z.array(SummaryGroup),
  })
  .openapi("Summary");
