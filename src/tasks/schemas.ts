import { z } from "@hono/zod-openapi";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, pathId, Timestamp } from "../lib/schemas";

export const Task = z
  .object({ id: Id, project_fk: Id, name: z.string(), is_archived: z.boolean(), created_at: Timestamp })
  .openapi("Task");
export type Task = z.infer<typeof Task>;
export const TaskPage = pageSchema(Task, "TaskPage");

const Name = z.string().trim().min(1).max(100).openapi({ example: "Design review" });
export const CreateTask = z.strictObject({ name: Name, is_archived: z.boolean().optional() }).openapi("CreateTask");
export const UpdateTask = z
  .strictObject({ name: Name.optional(), is_archived: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateTask");
export const TaskQuery = PageQuery.extend({
  archived: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "only archived (true) or only active (false)" }),
});
export const TaskParams = z.object({ id: pathId("id"), task_id: pathId("task_id") });
