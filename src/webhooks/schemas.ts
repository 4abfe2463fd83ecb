import { z } from "@hono/zod-openapi";
import { ApiError } from "../lib/errors";
import { PageQuery, pageSchema } from "../lib/page";
import { GROWS, Id, pathId, Timestamp } from "../lib/schemas";

export const EVENT_TYPES = [
  "timelog.created",
  "timelog.updated",
  "timelog.deleted",
  "timer.started",
  "timer.stopped",
  "timesheet.submitted",
  "timesheet.approved",
  "timesheet.rejected",
  "timesheet.reopened",
  "user.created",
  "user.deactivated",
  "absence.requested",
  "absence.approved",
  "absence.rejected",
  "absence.cancelled",
  // Reminders (issue 23 §5): sent by the Cron Trigger, once per occasion.
  "timer.forgotten",
  "timesheet.overdue",
  "absence.pending_reminder",
] as const;
const EventType = z.enum(EVENT_TYPES).openapi("WebhookEventType", { "x-extensible-enum": true, description: GROWS });
const Events = z
  .array(EventType)
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((s) => new Set(s).size === s.length, { message: "each event once" });
const Url = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .openapi({
    description:
      "https to a public host, without user:password@ (422 url_credentials); literal private, loopback, link-local " +
      "or reserved addresses and internal names such as localhost or *.internal are refused (422 internal_url). " +
      "Plain http only to loopback where the server allows it (development).",
  });

export const WebhookEndpoint = z
  .object({
    id: Id,
    url: z.string(),
    events: z.array(EventType),
    description: z.string(),
    status: z.enum(["active", "paused", "failing"]).openapi({
      description: "failing: a delivery was given up; the next successful delivery makes it active again",
    }),
    previous_secret_expires_at: Timestamp.nullable().openapi({
      description: "after rotations, the replaced secrets (each for 24 hours) also sign until then",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("WebhookEndpoint");
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;
export const WebhookEndpointPage = pageSchema(WebhookEndpoint, "WebhookEndpointPage");

export const NewWebhookSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({
    description: "the signing secret (Standard Webhooks), shown once",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7gkTiBuSnzg=",
  }),
}).openapi("WebhookEndpointWithSecret");
export type NewWebhookSecret = z.infer<typeof NewWebhookSecret>;

export const CreateWebhook = z
  .strictObject({ url: Url, events: Events, description: z.string().max(500).default("") })
  .openapi("CreateWebhook");

export const UpdateWebhook = z
  .strictObject({
    url: Url.optional(),
    events: Events.optional(),
    description: z.string().max(500).optional(),
    status: z.enum(["active", "paused"]).optional().openapi({ description: "pause or resume deliveries" }),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "nothing to change" })
  .openapi("UpdateWebhook");

/** Deliveries and events are many: bigint in the database, safe integers here. */
const BigId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const WebhookDelivery = z
  .object({
    id: BigId,
    event_id: BigId.openapi({ description: "the `webhook-id` header is `msg_<event_id>`" }),
    type: EventType,
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int().min(0),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_attempt_at: Timestamp.nullable(),
    next_attempt_at: Timestamp.nullable().openapi({ description: "null unless pending" }),
    delivered_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .openapi("WebhookDelivery");
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const WebhookDeliveryPage = pageSchema(WebhookDelivery, "WebhookDeliveryPage");

export const DeliveryQuery = PageQuery.extend({ status: z.enum(["pending", "delivered", "failed"]).optional() });
export const DeliveryParams = z.object({
  id: pathId("id"),
  delivery_id: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "delivery_id", in: "path" }, example: 1 }),
});

export const noEndpoint = () => new ApiError("not_found", "No such webhook endpoint.");
