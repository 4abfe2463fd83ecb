import { z } from "@hono/zod-openapi";
import { User } from "../users/schemas";

// The export's sections are the API's own shapes (time logs as GET /timelog shows them, absences
// as GET /absences, ...); listed loosely here so the document does not repeat every resource.
const Rows = (description: string) => z.array(z.record(z.string(), z.unknown())).openapi({ description });

export const UserExport = z
  .object({
    exported_at: z.iso.datetime({ offset: true }),
    profile: User,
    time_logs: Rows("every time log, oldest first (as GET /timelog/{id} shows one)"),
    timesheets: Rows("every week's timesheet: week, status, comment, acted_by, acted_at, submitted_seconds"),
    absences: Rows("every absence (as GET /absences shows one)"),
    allowances: Rows("absence allowances set for the person, per type and year"),
    time_adjustments: Rows("corrections of the time account"),
    api_tokens: Rows("name, prefix, scopes, created_at, last_used_at, expires_at, revoked_at: never a hash"),
    sessions: Rows("created_at, expires_at, revoked_at, revoked_reason: never an id"),
    audit_events: Rows("audit events about the person or made by them; redacted ones say redacted: true"),
    invitations: Rows("invitations to the person's address (never the token)"),
    notification_settings: z.record(z.string(), z.boolean()),
    emails: Rows("emails queued or sent to the person: template, status, attempts, dates (never the content)"),
  })
  .openapi("UserExport");
export type UserExport = z.infer<typeof UserExport>;
