import { z } from "@hono/zod-openapi";
import type { Selectable } from "kysely";
import type { ProjectTable } from "../db/schema";
import { PageQuery, pageSchema } from "../lib/page";
import { Id, Timestamp } from "../lib/schemas";
import { iso } from "../lib/time";

export const DateTime = z.iso
  .datetime({ offset: true, message: "an RFC 3339 time with an offset, e.g. 2026-03-29T09:00:00+02:00" })
  .openapi({ example: "2026-03-29T09:00:00+02:00" });
const SecretName = z.string().trim().min(1).max(40).openapi({ example: "Apollo" });
const Description = z.string().max(2000).nullable();

export const Project = z
  .object({
    id: Id,
    secret_name: z.string(),
    started_at: Timestamp,
    description: z.string().nullable(),
    is_archived: z.boolean(),
    client_fk: Id.nullable(),
    billable: z.boolean().openapi({ description: "its logs are billable unless a log says otherwise" }),
  })
  .openapi("Project");

export const CreateProject = z
  .strictObject({
    secret_name: SecretName,
    started_at: DateTime.optional(),
    description: Description.optional(),
    is_archived: z.boolean().optional(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional().openapi({ description: "default true" }),
  })
  .openapi("CreateProject");
export const ReplaceProject = z
  .strictObject({
    secret_name: SecretName,
    started_at: DateTime,
    description: Description,
    is_archived: z.boolean(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional(),
  })
  .openapi("ReplaceProject");
export const UpdateProject = z
  .strictObject({
    secret_name: SecretName.optional(),
    started_at: DateTime.optional(),
    description: Description.optional(),
    is_archived: z.boolean().optional(),
    client_fk: Id.nullable().optional(),
    billable: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateProject");

export const ProjectQuery = PageQuery.extend({
  archived: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "only archived (true) or only active (false)" }),
  client_fk: z.coerce.number().pipe(Id).optional().openapi({ description: "only this client's projects" }),
});

export const ProjectPage = pageSchema(Project, "ProjectPage");

/** A project as reads select it (writes answer with the JSON the database built: project_json). */
export type ProjectRow = Selectable<ProjectTable>;

export function toProject(row: ProjectRow): z.infer<typeof Project> {
  return { ...row, started_at: iso(row.started_at) };
}
