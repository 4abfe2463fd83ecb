// Schemas shared by many routes: the problem document, ids in paths, pagination.
import { z } from "@hono/zod-openapi";
import { PROBLEM_CODES, PROBLEMS, type ProblemCode } from "./problems";

/** Said of every enum that may gain values: a strict decoder must not fail on one it does not know. */
export const GROWS =
  "This list may grow in a later release: treat an unknown value as a generic one of its kind (x-extensible-enum).";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(100).max(599),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES).openapi({
      description: `stable: the error catalogue (src/lib/problems.ts). ${GROWS}`,
      "x-extensible-enum": true,
    }),
    instance: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    conflicting_log_id: z.number().int().optional(),
    retry_after: z.number().int().optional(),
    max_groups: z.number().int().optional(),
    max_seconds: z.number().int().optional(),
    earliest: z.string().optional().openapi({ format: "date-time", description: "before_earliest: the earliest time" }),
    locked_before: z
      .string()
      .optional()
      .openapi({ format: "date-time", description: "period_locked: the company lock that blocks" }),
    week: z.string().optional().openapi({ description: "period_locked: the ISO week that blocks" }),
    user_fk: z.number().int().optional(),
    required_scope: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "insufficient_scope: what the route needs" }),
    timesheet_status: z.string().optional().openapi({ description: "the week's status when it refused" }),
    // Offline writes (issue 24 §2, h-offline)
    id: z.number().int().optional().openapi({ description: "gone: the id of the deleted time log" }),
    deleted_at: z.string().optional().openapi({ format: "date-time", description: "gone: when it was deleted" }),
    server_time: z
      .string()
      .optional()
      .openapi({ format: "date-time", description: "at_too_old, at_in_future: the database's clock" }),
    offline_window_hours: z.number().int().optional().openapi({ description: "at_too_old: the company's window" }),
    max_ahead_seconds: z.number().int().optional().openapi({ description: "at_in_future: the allowed skew" }),
    // Two-factor sign-in (issue 23 §4, h-otp)
    challenge: z.string().optional().openapi({
      description: "otp_required: send it with a code to POST /users/login/otp within 5 minutes",
    }),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: Problem } };

/** The Problem of one status: its `code` is one of the catalogue's codes with that status. */
const byStatus = new Map<number, z.ZodType>();
function problemOf(status: number) {
  let schema = byStatus.get(status);
  if (!schema) {
    const codes = PROBLEM_CODES.filter((c) => PROBLEMS[c][0] === status) as [ProblemCode, ...ProblemCode[]];
    schema = Problem.extend({
      status: z.literal(status).openapi({ type: "integer", enum: [status] }),
      code: z.enum(codes).openapi({
        description: `the catalogue's codes with status ${status}. ${GROWS}`,
        "x-extensible-enum": true,
      }),
    }).openapi(`Problem${status}`);
    byStatus.set(status, schema);
  }
  return schema;
}

const text = (description: string) => z.string().openapi({ description });
const seconds = (description: string) => z.string().regex(/^\d+$/).openapi({ description });
/** Headers every answer carries. */
export const COMMON_HEADERS = {
  "X-Request-Id": text("this request's id (a sane incoming one is echoed)"),
  "RateLimit-Policy": text('the rate limits this request counted against, e.g. "credential";q=1200;w=60').optional(),
  RateLimit: text('what is left of each, e.g. "credential";r=1187;t=23 (remaining, seconds to reset)').optional(),
};
const PROBLEM_HEADERS: Record<number, Record<string, z.ZodString>> = {
  401: {
    "WWW-Authenticate": text(
      'Bearer realm="timelog" and resource_metadata (RFC 9728: the OAuth protected resource metadata, /mcp\'s on /mcp); with error="invalid_token" when a credential was sent and refused (RFC 6750 §3.1)',
    ),
  },
  429: { "Retry-After": seconds("seconds to wait") },
  503: { "Retry-After": seconds("seconds to wait") },
};

/**
 * Response entries for the error statuses a route answers by itself, and a `default` for those any
 * route may answer (400 malformed, 405 with Allow, 413, 415, 429 and 503 with Retry-After).
 */
export function problems(...statuses: number[]) {
  return { ...Object.fromEntries(statuses.map((s) => [s, problemEntry(s)])), default: anyProblem() };
}

// Built once per status, not once per route: zod schemas are the larger part of start-up.
const entries = new Map<number, object>();
function problemEntry(s: number) {
  let entry = entries.get(s);
  if (!entry) {
    entry = {
      description: `Problem (${s})`,
      headers: z.object({ ...COMMON_HEADERS, ...PROBLEM_HEADERS[s] }),
      content: { "application/problem+json": { schema: problemOf(s) } },
    };
    entries.set(s, entry);
  }
  return entry;
}
let anyEntry: object | undefined;
function anyProblem() {
  anyEntry ??= {
    description:
      "Problem: malformed (400), method not allowed (405, with Allow), too large (413), unsupported type (415), " +
      "database unavailable (503, with Retry-After)",
    headers: z.object({
      ...COMMON_HEADERS,
      "Retry-After": seconds("with 429 and 503: seconds to wait").optional(),
      Allow: text("with 405: the methods this path answers").optional(),
    }),
    content: problemContent,
  };
  return anyEntry;
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

/** An integer id in the query string (documented as an integer, not a number). */
export const queryId = () =>
  z.coerce.number().pipe(Id).openapi({ type: "integer", format: "int32", minimum: 1, maximum: MAX_INT });

export const IdempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Retry-safe writes: the same key and body within 24 h return the first response",
    // Documented, not validated here: a malformed key is the catalogue's invalid_idempotency_key.
    pattern: "^[\\x21-\\x7e]{1,255}$",
  }),
});

// Conditional writes (issue 24 §3, h-etag): the headers of a write that takes If-Match. Routes
// declare them with ConditionalWriteHeaders (or IfMatchHeader without an Idempotency-Key);
// finishDocument (src/lib/openapi-doc.ts) then adds the 412 and the answer's ETag the same way to each.
const ifMatch = z.string().optional().openapi({
  description:
    'the ETag of the version this change is based on (or *: it exists): 412 precondition_failed when the resource has changed since. Strong comparison: W/"…" tags never match.',
  example: '"5d41402abc4b2a76b9719d911017c592"',
});
export const IfMatchHeader = z.object({ "if-match": ifMatch });
export const ConditionalWriteHeaders = IdempotencyHeader.extend({ "if-match": ifMatch });

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
