// POST /timelog/batch: a queue of writes made offline, sent in one request (issue 24 §2).
import { z } from "@hono/zod-openapi";
import { Id, Problem } from "../lib/schemas";
import { DateTime } from "../projects/schemas";
import { ClientId, CreateFields, Timelog, timesGiven } from "./schemas";

export const MAX_OPERATIONS = 100;

const IfMatch = z.string().min(1).max(100).openapi({
  description:
    "the log's ETag as you last saw it (api_etag of the log, as GET /timelog/{id} sends it): a log changed since is refused with 409 version_conflict and the current log",
  example: '"5d41402abc4b2a76b9719d911017c592"',
});
const Target = {
  id: Id.optional().openapi({ description: "the log's id (yours, someone's you manage, anyone's for a superuser)" }),
  client_id: ClientId.optional().openapi({
    description: "or your own log's client_id, e.g. one created earlier in the batch",
  }),
  if_match: IfMatch.optional(),
};
const oneTarget = (o: { id?: number; client_id?: string }) => (o.id === undefined) !== (o.client_id === undefined);
const targetMessage = { message: "name the log by id or by client_id (one of them)", path: ["id"] };

const CreateOp = z
  .strictObject({ op: z.literal("create"), ...CreateFields })
  .refine(timesGiven, {
    message: "give both start_time and end_time for a past entry, or neither to clock in (now or at `at`)",
    path: ["end_time"],
  })
  .openapi("BatchCreate", { description: "POST /timelog for yourself: client_id makes a replay answer 200" });

const UpdateOp = z
  .strictObject({
    op: z.literal("update"),
    ...Target,
    project_fk: Id.optional(),
    start_time: DateTime.optional(),
    end_time: DateTime.nullable().optional(),
    note: z.string().max(1000).nullable().optional(),
    task_fk: Id.nullable().optional(),
    tags: z.array(Id).max(20).optional(),
    billable: z.boolean().nullable().optional(),
  })
  .refine(oneTarget, targetMessage)
  // As PATCH's "nothing to change": an empty update would still bump updated_at (a new version,
  // an audit row and a webhook) for a write that changes nothing.
  .refine((o) => Object.keys(o).some((k) => !["op", "id", "client_id", "if_match"].includes(k)), {
    message: "nothing to change",
  })
  .openapi("BatchUpdate", { description: "PATCH /timelog/{id}: send only the fields to change" });

const DeleteOp = z
  .strictObject({ op: z.literal("delete"), ...Target })
  .refine(oneTarget, targetMessage)
  .openapi("BatchDelete", { description: "DELETE /timelog/{id}" });

export const Operation = z.discriminatedUnion("op", [CreateOp, UpdateOp, DeleteOp]);
export type Operation = z.infer<typeof Operation>;

export const Batch = z
  .strictObject({
    operations: z
      .array(Operation)
      .min(1)
      .max(MAX_OPERATIONS)
      .openapi({ description: `1 to ${MAX_OPERATIONS}, applied in this order` }),
  })
  .openapi("TimelogBatch");

const Done = z
  .strictObject({
    status: z.union([z.literal(200), z.literal(201), z.literal(204)]).openapi({
      type: "integer",
      enum: [200, 201, 204],
      description: "201 created, 200 updated (or a create whose client_id you used before), 204 deleted",
    }),
    body: z.union([Timelog, z.null()]).openapi({ description: "the log after the operation; null for a deletion" }),
  })
  .openapi("BatchDone");

const Refused = z
  .strictObject({
    status: z.number().int().min(400).max(599).openapi({ description: "the problem's status" }),
    problem: Problem.extend({
      current: Timelog.optional().openapi({ description: "version_conflict: the log as it is now" }),
      etag: z.string().optional().openapi({ description: "version_conflict: the current log's ETag" }),
    }).openapi("BatchProblem"),
  })
  .openapi("BatchRefused", { description: "the operation changed nothing" });

export const BatchResults = z
  .object({
    results: z.array(z.union([Done, Refused])).openapi({
      description: "one per operation, in the order given: `body` when it was done, `problem` when refused",
    }),
  })
  .openapi("TimelogBatchResults");
export type BatchResults = z.infer<typeof BatchResults>;
