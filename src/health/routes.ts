import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { ApiError } from "../lib/errors";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";

const Health = z.object({ status: z.literal("ok"), database: z.literal("up") }).openapi("Health");

export const health = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["health"],
    summary: "Liveness and database reachability",
    responses: { 200: { description: "Up", content: { "application/json": { schema: Health } } }, ...problems(503) },
  }),
  async (c) => {
    const { db } = c.get("database");
    const row = await sql<{ ok: number }>`select 1 as ok`.execute(db).catch(() => undefined);
    if (row?.rows[0]?.ok !== 1) {
      throw new ApiError(503, "database_unavailable", "The database is unreachable.", {}, { "Retry-After": "2" });
    }
    return c.json({ status: "ok" as const, database: "up" as const }, 200);
  },
);
