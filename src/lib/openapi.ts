// Small helpers that keep route declarations short.
import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { COMMON_HEADERS } from "./schemas";

// The same for every route: built once (zod schemas are the larger part of start-up).
const jsonHeaders = z.object({
  ...COMMON_HEADERS,
  "Idempotent-Replayed": z
    .literal("true")
    .optional()
    .openapi({ description: "on writes: this is the stored answer to a retry with the same Idempotency-Key" }),
});
const commonHeaders = z.object(COMMON_HEADERS);

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  headers: jsonHeaders,
  content: { "application/json": { schema } },
});

// Issue 24 §3 (h-etag): a create whose answer carries the new resource's ETag (for a resource
// without a GET of its own, the only way a client learns its first version for If-Match).
const taggedHeaders = jsonHeaders.extend({
  ETag: z.string().openapi({ description: "the entity tag of the resource as created: send it as If-Match" }),
});
export const jsonTagged = <T extends z.ZodType>(schema: T, description: string) => ({
  ...json(schema, description),
  headers: taggedHeaders,
});

/** A 204: no body, the common headers. */
export const noContent = (description: string) => ({ description, headers: commonHeaders });

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/**
 * For routes whose body is optional: clients that send `Content-Type: application/json` with an
 * empty body mean "no body", not malformed JSON.
 */
export const emptyBodyIsNoBody = createMiddleware(async (c, next) => {
  if (c.req.header("content-type") && (await c.req.raw.clone().text()) === "") {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-type");
    c.req.raw = new Request(c.req.url, { method: c.req.method, headers });
  }
  await next();
});
