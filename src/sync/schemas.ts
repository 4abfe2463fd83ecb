// The feed's wire shapes: a change is a discriminated union on `type`, so a generated client knows
// the shape of `data` for each type (the same schema as the type's single-resource GET).
import { z } from "@hono/zod-openapi";
import { Absence } from "../absences/schemas";
import { Client } from "../clients/schemas";
import { CompanySettings } from "../company/schemas";
import { Position } from "../positions/schemas";
import { Project } from "../projects/schemas";
import { Tag } from "../tags/schemas";
import { Task } from "../tasks/schemas";
import { Member, Team } from "../teams/schemas";
import { Timelog } from "../timelog/schemas";
import { Timesheet } from "../timesheets/schemas";
import { User } from "../users/schemas";
import type { SyncType } from "./queries";

const ETag = z.string().openapi({ description: "api_etag(data): the ETag its single-resource GET sends" });
const Key = z.string().openapi({
  description:
    'the row\'s key within its type: the id ("42"), team_fk:user_fk for team_member, user_fk:YYYY-Www for timesheet, company for settings',
  example: "42",
});

function change<T extends SyncType, D extends z.ZodType>(type: T, data: D, name: string) {
  const upsert = z
    .object({ type: z.literal(type), id: Key, op: z.literal("upsert"), data, etag: ETag })
    .openapi(`Sync${name}Upsert`);
  const remove = z
    .object({ type: z.literal(type), id: Key, op: z.literal("delete") })
    .openapi(`Sync${name}Delete`, { description: "gone, or no longer yours to see: drop it from the cache" });
  return z.discriminatedUnion("op", [upsert, remove]).openapi(`Sync${name}Change`);
}

export const SyncChange = z
  .union([
    change("settings", CompanySettings, "Settings"),
    change("user", User, "User"),
    change("position", Position, "Position"),
    change("client", Client, "Client"),
    change("project", Project, "Project"),
    change("task", Task, "Task"),
    change("tag", Tag, "Tag"),
    change("team", Team, "Team"),
    change("team_member", Member, "TeamMember"),
    change("timelog", Timelog, "Timelog"),
    change("absence", Absence, "Absence"),
    change("timesheet", Timesheet, "Timesheet"),
  ])
  .openapi("SyncChange", { description: "One row to upsert into or delete from the cache (key: type + id)" });

export const SyncFeed = z
  .object({
    changes: z.array(SyncChange),
    next_cursor: z.string().openapi({ description: "pass back as cursor; opaque" }),
    has_more: z.boolean().openapi({
      description: "true: ask again at once with next_cursor; false: you are up to date as of this answer",
    }),
  })
  .openapi("SyncFeed");

export const SyncQuery = z.object({
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "next_cursor of the previous page; none for a full snapshot first" }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
