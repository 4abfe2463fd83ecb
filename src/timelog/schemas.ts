import { z } from "@hono/zod-openapi";
import { pageSchema } from "../lib/page";
import { Id, queryId, Timestamp } from "../lib/schemas";
import { DateTime } from "../projects/schemas";

const Note = z.string().max(1000).nullable();
const TaskFk = Id.nullable().openapi({ description: "a task of the log's project" });
const Tags = z.array(Id).max(20).openapi({ description: "tag ids (each once; stored sorted)" });
const Billable = z.boolean().nullable().openapi({ description: "null: as the project says" });
/** What a log carries besides its times: its task, tags and billable override. */
const Extras = { task_fk: TaskFk.optional(), tags: Tags.optional(), billable: Billable.optional() };

export const Timelog = z
  .object({
    id: Id,
    user_fk: Id,
    project_fk: Id,
    task_fk: TaskFk,
    start_time: Timestamp,
    end_time: Timestamp.nullable().openapi({ description: "null while the timer runs" }),
    note: z.string().nullable(),
    tags: Tags,
    billable: Billable,
    created_at: Timestamp,
    updated_at: Timestamp,
    locked: z.boolean().openapi({
      description: "in a submitted or approved week, or before the company lock: no change is accepted",
    }),
  })
  .openapi("Timelog");
export type Timelog = z.infer<typeof Timelog>;

export const ClockIn = z
  .strictObject({
    project_fk: Id,
    user_fk: Id.optional().openapi({ description: "for someone you manage (managers, superusers); default you" }),
    note: Note.optional(),
    start_time: DateTime.optional(),
    end_time: DateTime.optional(),
    ...Extras,
  })
  .refine((b) => (b.start_time === undefined) === (b.end_time === undefined), {
    message: "give both start_time and end_time for a past entry, or neither to clock in now",
    path: ["end_time"],
  })
  .openapi("ClockIn");

export const Close = z
  .strictObject({ end_time: DateTime.optional().openapi({ description: "for a forgotten timer; default now" }) })
  .openapi("Close");

export const Switch = z.strictObject({ project_fk: Id, note: Note.optional(), ...Extras }).openapi("Switch");

export const PatchTimelog = z
  .strictObject({
    project_fk: Id.optional(),
    start_time: DateTime.optional(),
    end_time: DateTime.nullable().optional(),
    note: Note.optional(),
    ...Extras,
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("PatchTimelog");

/**
 * A log or null. As a union (anyOf [$ref, null]) rather than `.nullable()`, which the generator
 * publishes as allOf [$ref, {type: [object, null]}]: a schema that rejects null, so a generated
 * client would believe the log is always there.
 */
const TimelogOrNull = z.union([Timelog, z.null()]);

export const Current = z.object({ open: z.boolean(), log: TimelogOrNull }).openapi("CurrentTimelog");
export const SwitchResult = z.object({ started: Timelog, stopped: TimelogOrNull }).openapi("SwitchResult");
export type SwitchResult = z.infer<typeof SwitchResult>;

export const ListQuery = z.object({
  from: DateTime.optional().openapi({ description: "logs that overlap [from, to)" }),
  to: DateTime.optional(),
  project_fk: queryId().optional(),
  client_fk: queryId().optional().openapi({ description: "logs on this client's projects" }),
  task_fk: queryId().optional(),
  tag_fk: queryId().optional().openapi({ description: "logs carrying this tag" }),
  user_fk: queryId().optional().openapi({ description: "another user's logs (their managers, superusers)" }),
  status: z.enum(["open", "closed"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor of the previous page" }),
});

export const TimelogPage = pageSchema(Timelog, "TimelogPage");

export const Change = z
  .object({
    id: Id,
    deleted: z.boolean(),
    log: TimelogOrNull.openapi({ description: "the log as it is now; null for a deletion" }),
    deleted_at: Timestamp.nullable(),
  })
  .openapi("TimelogChange");
export const SyncPage = z
  .object({
    changes: z.array(Change),
    next_cursor: z.string(),
    has_more: z.boolean(),
    locked_before: Timestamp.nullable().openapi({
      description: "the company lock now: logs starting before it are locked (week locks arrive as changes)",
    }),
  })
  .openapi("TimelogSync");
