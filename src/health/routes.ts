import { createRoute, z } from "@hono/zod-openapi";
import { access } from "../auth/middleware";
import { ping } from "../db/request";
import { ApiError } from "../lib/errors";
import { json } from "../lib/openapi";
import { createRouter } from "../lib/router";
import { problems } from "../lib/schemas";

const Health = z.object({ status: z.literal("ok"), database: z.literal("up") }).openapi("Health");

export const health = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["health"],
    summary: "Liveness and database reachability",
    description:
      "Public. 200 when the worker runs and a query reaches the database; 503 with Retry-After when it does not.",
    ...access("public"),
    responses: { 200: json(Health, "Up"), ...problems(503) },
  }),
  async (c) => {
    // A database that does not answer is a 503; our own refusals (the rate limit) stay what they are.
    const up = await ping(c).catch((err: unknown) => {
      if (err instanceof ApiError) throw err;
      return false;
    });
    if (!up) {
      throw new ApiError("database_unavailable", "The database is unreachable.", {}, { "Retry-After": "2" });
    }
    return c.json({ status: "ok" as const, database: "up" as const }, 200);
  },
);
