// The floor for any endpoint that reads the database: one parameterised SELECT through neon(),
// served by the same workerd as the API. `/batch` sends the same SELECT the way the API sends a
// read today (a transaction batch that sets statement_timeout first), to show what the batch
// costs. `/hash` runs one login-strength password hash; `/ping` answers without the database
// (cold starts); `/replay` sends an API endpoint's recorded statement(s). `/three` reads a person's
// running log the way an ORM handler does, one awaited query after another: the session, the user,
// then the row — three sequential round trips (the latency table's comparison, latency.ts).
import { neon, neonConfig } from "@neondatabase/serverless";
import { hashPassword } from "../../src/auth/password.ts";

type Statement = { query: string; params: unknown[] };
type Replay = Statement | { queries: Statement[] };

interface Env {
  DATABASE_URL: string;
  NEON_FETCH_ENDPOINT: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/ping") return new Response("ok");
    if (new URL(request.url).pathname === "/hash") {
      return new Response(await hashPassword("correct horse battery"));
    }
    neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT;
    const sql = neon(env.DATABASE_URL);
    if (new URL(request.url).pathname === "/replay") {
      // The statement(s) an API endpoint sent, as the endpoint recorded them: the same SQL from a
      // worker that does nothing else, so the database's share of an endpoint is measured apart.
      const body = (await request.json()) as Replay;
      const rows = (
        "queries" in body
          ? (await sql.transaction(body.queries.map((q) => sql.query(q.query, q.params)))).at(-1)
          : await sql.query(body.query, body.params)
      ) as Record<string, unknown>[];
      // A report the database wrote as text is passed through as the API passes it.
      const text = rows[0]?.body;
      return typeof text === "string" ? new Response(text) : Response.json(rows);
    }
    if (new URL(request.url).pathname === "/three") {
      const user = Number(new URL(request.url).searchParams.get("user") ?? 1);
      await sql.query("SELECT user_fk FROM session WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()", [
        crypto.randomUUID(),
      ]);
      await sql.query("SELECT id, email, is_superuser FROM app_user WHERE id = $1", [user]);
      const rows = await sql.query(
        "SELECT id, start_time, end_time FROM timelog WHERE user_fk = $1 AND end_time IS NULL LIMIT 1",
        [user],
      );
      return Response.json(rows[0] ?? null);
    }
    if (new URL(request.url).pathname === "/batch") {
      const [, rows] = await sql.transaction([
        sql.query("SELECT set_config('statement_timeout', $1, true)", ["4000"]),
        sql.query("SELECT $1::int AS n", [1]),
      ]);
      return Response.json(rows?.[0]);
    }
    const rows = await sql.query("SELECT $1::int AS n", [1]);
    return Response.json(rows[0]);
  },
};
