// Schemas shared by many routes: the problem document, ids in paths, pagination.
import { z } from "@hono/zod-openapi";
import { PROBLEM_CODES } from "./problems";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES).openapi({ description: "stable: the error catalogue (src/lib/problems.ts)" }),
    instance: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    conflicting_log_id: z.number().int().optional(),
    retry_after: z.number().int().optional(),
    max_groups: z.number().int().optional(),
    max_seconds: z.number().int().optional(),
    earliest: z.string().optional(),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: Problem } };

/** Response entries for the error statuses a route can answer. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, { description: `Problem (${s})`, content: problemContent }]));
}

export const MAX_INT = 2 ** 31 - 1;
export const Id = z.number().int().min(1).max(MAX_INT);

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

export const IdempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({ description: "Retry-safe writes: the same key and body within 24 h return the first response" }),
});
