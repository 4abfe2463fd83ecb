import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, Timestamp } from "../lib/schemas";

export const Tag = z.object({ id: Id, name: z.string(), created_at: Timestamp }).openapi("Tag");
export type Tag = z.infer<typeof Tag>;
export const TagPage = pageSchema(Tag, "TagPage");
export const SaveTag = z
  .strictObject({ name: z.string().trim().min(1).max(50).openapi({ example: "overtime" }) })
  .openapi("SaveTag");
export { PageQuery };
