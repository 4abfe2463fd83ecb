// The floor for any endpoint that reads the database: one parameterised SELECT through neon(),
// served by the same workerd as the API. `/hash` runs one login-strength password hash.
import { neon, neonConfig } from "@neondatabase/serverless";
import { hashPassword } from "../../src/auth/password.ts";

interface Env {
  DATABASE_URL: string;
  NEON_FETCH_ENDPOINT: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/hash") {
      return new Response(await hashPassword("correct horse battery"));
    }
    neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT;
    const sql = neon(env.DATABASE_URL);
    const rows = await sql.query("SELECT $1::int AS n", [1]);
    return Response.json(rows[0]);
  },
};
