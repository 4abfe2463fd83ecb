import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, Timestamp } from "../lib/schemas";

const Status = z.enum(["pending", "sent", "failed"]);

/** An outbox row as an operator sees it: never its secret, never a link. */
export const Email = z
  .object({
    id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    to: z.string(),
    template: z.string(),
    status: Status,
    attempts: z.number().int().min(0),
    last_error: z.string().nullable(),
    user_fk: Id.nullable(),
    created_at: Timestamp,
    next_attempt_at: Timestamp.nullable().openapi({ description: "null unless pending" }),
    sent_at: Timestamp.nullable(),
  })
  .openapi("Email");
export type Email = z.infer<typeof Email>;
export const EmailPage = pageSchema(Email, "EmailPage");

export const EmailQuery = PageQuery.extend({
  status: Status.optional(),
  to: z.string().min(1).max(320).optional().openapi({ description: "the recipient's address (any case)" }),
});
