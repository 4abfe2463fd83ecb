// The fixed stack's own floor, for the bundle and cold-start targets: the libraries the API must
// use (hono with @hono/zod-openapi and zod, Kysely as a compile-only query builder, neon() over
// HTTP) and nothing of ours but Kysely's compile-only setup and one validated route that compiles
// one query. What this costs in bytes and start-up, no change to our code can take away.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { neon, neonConfig } from "@neondatabase/serverless";
import { Kysely } from "kysely";
import { compileOnly } from "../../src/db/client.ts";

interface Env {
  DATABASE_URL: string;
  NEON_FETCH_ENDPOINT: string;
}

// Kysely set up as the API sets it up: a query builder only.
const db = new Kysely<{ item: { id: number } }>({ dialect: compileOnly });

const app = new OpenAPIHono<{ Bindings: Env }>();
app.openapi(
  createRoute({
    method: "get",
    path: "/item/{id}",
    request: { params: z.object({ id: z.coerce.number().int().min(1) }) },
    responses: {
      200: { description: "ok", content: { "application/json": { schema: z.object({ id: z.number() }) } } },
    },
  }),
  async (c) => {
    neonConfig.fetchEndpoint = c.env.NEON_FETCH_ENDPOINT;
    const { sql, parameters } = db.selectFrom("item").select("id").where("id", "=", c.req.valid("param").id).compile();
    const rows = (await neon(c.env.DATABASE_URL).query(sql, [...parameters])) as { id: number }[];
    return c.json({ id: rows[0]?.id ?? 0 }, 200);
  },
);
app.get("/ping", (c) => c.text("ok"));

export default app;
