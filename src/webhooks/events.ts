// What each webhook event's body carries, published in the document's `webhooks` section (OpenAPI
// 3.1) so a receiver's generated types need no cast. The payloads are built by the database's
// triggers (webhook_timelog, webhook_timesheet, webhook_user) and reminders_run(); test/webhooks
// checks every received body against these schemas.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { Absence } from "../absences/schemas";
import { Id, Timestamp } from "../lib/schemas";
import { Timelog } from "../timelog/schemas";
import { User } from "../users/schemas";
import { EVENT_TYPES } from "./schemas";

const LogData = Timelog.omit({ locked: true }).openapi("WebhookTimelogData");
const TimesheetData = z
  .object({
    user_fk: Id,
    week: z.string().regex(/^\d{4}-W\d\d$/),
    status: z.enum(["open", "submitted", "approved", "rejected"]),
    comment: z.string().nullable(),
    acted_by: Id.nullable(),
    acted_at: Timestamp,
    submitted_seconds: z.number().int().nullable(),
  })
  .openapi("WebhookTimesheetData");
const UserData = User.openapi("WebhookUserData");
const AbsenceData = Absence.openapi("WebhookAbsenceData");
// Reminders (issue 23 §5): built by reminders_run() (migrations/0040).
const OverdueData = z
  .object({
    user_fk: Id,
    week: z.string().regex(/^\d{4}-W\d\d$/),
    status: z.enum(["open", "rejected"]),
    due_at: Timestamp.openapi({ description: "Monday's reminder_submit_time in the person's zone" }),
  })
  .openapi("WebhookTimesheetOverdueData");
const PendingAbsenceData = z
  .object({
    recipient_fk: Id.openapi({ description: "the manager (or, without one, superuser) reminded" }),
    absence: AbsenceData,
  })
  .openapi("WebhookAbsencePendingReminderData");

const DATA: Record<(typeof EVENT_TYPES)[number], z.ZodType> = {
  "timelog.created": LogData,
  "timelog.updated": LogData,
  "timelog.deleted": LogData,
  "timer.started": LogData,
  "timer.stopped": LogData,
  "timesheet.submitted": TimesheetData,
  "timesheet.approved": TimesheetData,
  "timesheet.rejected": TimesheetData,
  "timesheet.reopened": TimesheetData,
  "user.created": UserData,
  "user.deactivated": UserData,
  "absence.requested": AbsenceData,
  "absence.approved": AbsenceData,
  "absence.rejected": AbsenceData,
  "absence.cancelled": AbsenceData,
  "timer.forgotten": LogData,
  "timesheet.overdue": OverdueData,
  "absence.pending_reminder": PendingAbsenceData,
};

const name = (type: string) =>
  `Webhook${type
    .split(/[._]/)
    .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
    .join("")}`;

/** The body of one event type: `{type, timestamp, data}`. */
export const eventBody = (type: (typeof EVENT_TYPES)[number]) =>
  z
    .object({
      type: z.literal(type),
      timestamp: Timestamp.openapi({ description: "when the change committed" }),
      data: DATA[type],
    })
    .openapi(name(type));

const headers = z.object({
  "webhook-id": z.string().openapi({ description: "msg_<event id>: the same on every retry; deduplicate on it" }),
  "webhook-timestamp": z.string().regex(/^\d+$/).openapi({ description: "Unix seconds of this attempt" }),
  "webhook-signature": z.string().openapi({
    description: "v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>, space-separated when two secrets sign",
  }),
});

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPIHono's registry, whatever its env
export function documentWebhookEvents(registry: OpenAPIHono<any>["openAPIRegistry"]) {
  for (const type of EVENT_TYPES) {
    registry.registerWebhook({
      method: "post",
      path: type,
      tags: ["webhooks"],
      summary: `${type}: sent to endpoints subscribed to it (Standard Webhooks signature)`,
      operationId: `webhook${name(type).slice("Webhook".length)}`,
      request: { headers, body: { required: true, content: { "application/json": { schema: eventBody(type) } } } },
      // The receiver authenticates us by the signature, not by a scheme of this document.
      security: [],
      responses: { 200: { description: "Any 2xx acknowledges the delivery; anything else is retried" } },
    });
  }
}
