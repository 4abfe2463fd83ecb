// Small helpers that keep route declarations short.
import type { z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Spread into a route: it needs a signed-in caller. */
export const signedIn = { security: [{ bearer: [] }], middleware: requireAuth };
