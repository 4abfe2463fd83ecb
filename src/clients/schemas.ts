import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, Timestamp } from "../lib/schemas";

export const Client = z
  .object({ id: Id, name: z.string(), is_archived: z.boolean(), created_at: Timestamp })
  .openapi("Client");
export type Client = z.infer<typeof Client>;
export const ClientPage = pageSchema(Client, "ClientPage");

const Name = z.string().trim().min(1).max(100).openapi({ example: "Acme GmbH" });
export const CreateClient = z.strictObject({ name: Name, is_archived: z.boolean().optional() }).openapi("CreateClient");
export const UpdateClient = z
  .strictObject({ name: Name.optional(), is_archived: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateClient");

export const ClientQuery = PageQuery.extend({
  archived: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "only archived (true) or only active (false)" }),
});
