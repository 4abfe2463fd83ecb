// Schemas shared by many routes: the problem document, ids in paths, pagination.
import { z } from "@hono/zod-openapi";
import { PROBLEM_CODES } from "./problems";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES).openapi({ description: "stable: the error catalogue (src/lib/problems.ts)" }),
    instance: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    conflicting_log_id: z.number().int().optional(),
    retry_after: z.number().int().optional(),
    max_groups: z.number().int().optional(),
    max_seconds: z.number().int().optional(),
    earliest: z.string().optional(),
    locked_before: z.string().optional().openapi({ description: "period_locked: the company lock that blocks" }),
    week: z.string().optional().openapi({ description: "period_locked: the ISO week that blocks" }),
    user_fk: z.number().int().optional(),
    required_scope: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "insufficient_scope: what the route needs" }),
    timesheet_status: z.string().optional().openapi({ description: "the week's status when it refused" }),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: Problem } };

/** Response entries for the error statuses a route can answer. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { description: `Problem (${s})`, content: problemContent }]));
}

export const MAX_INT = 2 ** 31 - 1;
export const Id = z.number().int().min(1).max(MAX_INT);

/** An integer id in the path, named as the route names it. */
export const pathId = (name: string) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_INT)
    .openapi({ param: { name, in: "path" }, example: 1 });

export const IdParam = z.object({ id: pathId("id") });

export const IdempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Retry-safe writes: the same key and body within 24 h return the first response",
    // Documented, not validated here: a malformed key is the catalogue's invalid_idempotency_key.
    pattern: "^[\\x21-\\x7e]{1,255}$",
  }),
});

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

/** Expected hours a week, to the hundredth (numeric(5,2) in the database). */
export const WeeklyHours = z.number().min(0).max(168).multipleOf(0.01);

/** A time the API answers with: RFC 3339 in UTC to the millisecond (format: date-time in the document). */
export const Timestamp = z.iso.datetime().openapi({ example: "2026-03-29T07:00:00.000Z" });
