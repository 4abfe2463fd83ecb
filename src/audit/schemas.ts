import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { GROWS, Id, MAX_INT } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

export const KINDS = [
  "timelog.created",
  "timelog.updated",
  "timelog.deleted",
  "timesheet.submitted",
  "timesheet.approved",
  "timesheet.rejected",
  "timesheet.reopened",
  "team_member.added",
  "team_member.changed",
  "team_member.removed",
  "user.updated",
  "company.lock_changed",
  "webhook.created",
  "webhook.updated",
  "webhook.secret_rotated",
  "webhook.deleted",
  "absence.requested",
  "absence.updated",
  "absence.approved",
  "absence.rejected",
  "absence.cancelled",
  "absence_type.created",
  "absence_type.updated",
  "absence_type.deleted",
  "allowance.set",
  "holiday_calendar.created",
  "holiday.set",
  "holiday.deleted",
  "work_schedule.created",
  "work_schedule.deleted",
  "time_account.adjusted",
  "invitation.created",
  "invitation.resent",
  "invitation.revoked",
  "invitation.accepted",
  "user.email_verified",
  "user.email_changed",
  "user.password_reset",
  "user.totp_enabled",
  "user.totp_disabled",
  "user.exported",
  "user.erased",
  "company.settings_changed",
  // Calendar feeds (issue 24 §4, h-cal)
  "calendar_feed.created",
  "calendar_feed.revoked",
  // OAuth grants (issue 25 §2, 0051)
  "app.authorized",
  "app.revoked",
] as const;
/** What an event is about; with KINDS, the list the database allows (audit_event_entity_known). */
export const ENTITIES = [
  "timelog",
  "timesheet",
  "team",
  "user",
  "settings",
  "webhook",
  "absence",
  "absence_type",
  "allowance",
  "holiday_calendar",
  "holiday",
  "work_schedule",
  "time_adjustment",
  "invitation",
  // Calendar feeds (issue 24 §4, h-cal)
  "calendar_feed",
  "app",
] as const;
export const Kind = z.enum(KINDS).openapi("AuditKind", { "x-extensible-enum": true, description: GROWS });

const Json = z.record(z.string(), z.unknown());

export const AuditEvent = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actor_fk: Id.nullable().openapi({ description: "who made the change; null for tooling outside the API" }),
    request_id: z.string().nullable().openapi({ description: "the X-Request-Id of the request that made it" }),
    kind: Kind,
    user_fk: Id.nullable().openapi({ description: "whose chain it is: the person affected; null for company-wide" }),
    entity: z.enum(ENTITIES),
    entity_id: z.string(),
    before: Json.nullable(),
    after: Json.nullable(),
    seq: z.number().int().openapi({ description: "position in its chain, from 1" }),
    prev_hash: z.string().openapi({ description: "hash of the previous event of the chain (64 zeros for the first)" }),
    hash: z.string().openapi({
      description:
        "SHA-256 over the event's place (chain, seq, at, actor, request, kind, entity, entity_id), prev_hash and a " +
        "salted hash of before/after (the salt is not exposed, so a client cannot recompute it): check the chain " +
        "with GET /audit/verify, which recomputes every link server-side and also accepts redacted events",
    }),
  })
  .openapi("AuditEvent");
export type AuditEvent = z.infer<typeof AuditEvent>;
export const AuditPage = pageSchema(AuditEvent, "AuditPage");

export const AuditQuery = PageQuery.extend({
  from: DateTime.optional(),
  to: DateTime.optional(),
  actor_fk: z.coerce.number().int().min(1).max(MAX_INT).optional(),
  user_fk: z.coerce.number().int().min(1).max(MAX_INT).optional(),
  kind: Kind.optional(),
});

export const VerifyQuery = z.object({
  from: z
    .enum(["checkpoint", "start"])
    .default("checkpoint")
    .openapi({
      description:
        "checkpoint: the events after each chain's last checkpoint (and that checkpoint itself); " +
        "start: a full re-verification of every event, in pages (follow next_cursor)",
    }),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor of the previous full page (opaque)" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(50_000)
    .default(10_000)
    .openapi({ description: "events verified by this call at most (about 25 µs each on PostgreSQL)" }),
});

export const Verification = z
  .object({
    ok: z.boolean(),
    mode: z.enum(["checkpoint", "full"]),
    events: z.number().int().openapi({ description: "events verified by this call" }),
    chains: z.number().int().openapi({ description: "chains those events belong to" }),
    through_id: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "the newest event id this call verified; null when there was none to verify" }),
    checkpoints: z.number().int().openapi({ description: "chains whose checkpoint this call moved" }),
    complete: z
      .boolean()
      .openapi({ description: "false when more events are left: call again (or follow next_cursor)" }),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "full re-verification: pass back as cursor for the next page; null at the end" }),
    first_broken: z
      .object({
        id: z.number().int(),
        user_fk: Id.nullable(),
        seq: z.number().int(),
        reason: z.string(),
      })
      .nullable(),
  })
  .openapi("AuditVerification");
